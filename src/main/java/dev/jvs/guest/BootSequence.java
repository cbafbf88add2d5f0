package dev.jvs.guest;

import dev.jvs.guest.config.BootOrder;
import dev.jvs.guest.config.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Starts the autostart guests in boot order and stops running guests in the reverse order (boot.*
 * keys, docs/guest-config.md). One guest's failure is logged; the others go on.
 */
public final class BootSequence {
  /** Where the sequence's lines go: what went as asked, and what failed (one line each). */
  public interface Report {
    void progress(String line);

    void failure(String line);

    /** Both kinds to one place (the service's log, a test's list). */
    static Report to(Consumer<String> lines) {
      return new Report() {
        @Override
        public void progress(String line) {
          lines.accept(line);
        }

        @Override
        public void failure(String line) {
          lines.accept(line);
        }
      };
    }
  }

  private final Guests guests;
  private final Report report;

  public BootSequence(Guests guests, Report report) {
    this.guests = guests;
    this.report = report;
  }

  public BootSequence(Guests guests, Consumer<String> log) {
    this(guests, Report.to(log));
  }

  /** A guest and its place in the boot order. */
  private record Placed(GuestName name, BootOrder boot) {}

  /** Lower boot.order first, then by name. */
  private static final Comparator<Placed> BOOT_ORDER =
      Comparator.comparingInt((Placed p) -> p.boot().order()).thenComparing(p -> p.name().value());

  /**
   * Starts every guest with boot.autostart=true that is not running, in boot order, waiting each
   * one's boot.delay before the next. Returns how many failed to start.
   */
  public int startAll() throws InterruptedException {
    List<Placed> due = new ArrayList<>();
    int failed = 0;
    for (GuestStatus s : guests.list()) {
      GuestName name = GuestName.of(s.name());
      try {
        BootOrder boot = guests.config(name).boot();
        if (!boot.autostart()) {
          continue;
        }
        if (s.state() == GuestStatus.State.RUNNING) {
          report.progress("autostart: " + name + ": already running");
          continue;
        }
        due.add(new Placed(name, boot));
      } catch (RuntimeException e) {
        report.failure("autostart: " + e.getMessage());
        failed++;
      }
    }
    due.sort(BOOT_ORDER);
    for (int i = 0; i < due.size(); i++) {
      Placed p = due.get(i);
      try {
        guests.start(p.name(), List.of(), Guests.Attach.DETACHED);
        report.progress("autostart: started " + p.name());
      } catch (RuntimeException e) {
        report.failure("autostart: " + e.getMessage());
        failed++;
        continue; // it did not start: the next need not wait for it
      }
      Duration delay = p.boot().delay();
      if (!delay.isZero() && i < due.size() - 1) {
        report.progress(
            "autostart: waiting " + Values.formatDuration(delay) + " (" + p.name() + ")");
        Thread.sleep(delay);
      }
    }
    return failed;
  }

  /**
   * Stops every running guest, each within its stop.timeout: guests started by hand first (they
   * came after the boot), then the autostart ones in reverse boot order. Returns how many failed.
   */
  public int stopAll() {
    List<Placed> running = new ArrayList<>();
    for (GuestStatus s : guests.list()) {
      if (s.state() == GuestStatus.State.RUNNING) {
        GuestName name = GuestName.of(s.name());
        BootOrder boot;
        try {
          boot = guests.config(name).boot();
        } catch (RuntimeException e) {
          boot = BootOrder.NONE; // an unreadable guest.conf must not keep its guest running
        }
        running.add(new Placed(name, boot));
      }
    }
    running.sort(BOOT_ORDER);
    List<Placed> byHand = running.stream().filter(p -> !p.boot().autostart()).toList();
    List<Placed> booted =
        new ArrayList<>(running.stream().filter(p -> p.boot().autostart()).toList());
    java.util.Collections.reverse(booted);
    int failed = 0;
    for (Placed p : concat(byHand, booted)) {
      try {
        guests.stop(p.name(), guests.stopTimeout(p.name()));
        report.progress("shutdown: stopped " + p.name());
      } catch (RuntimeException e) {
        if (guests.status(p.name()).state() == GuestStatus.State.STOPPED) {
          report.progress("shutdown: " + p.name() + ": stopped meanwhile");
        } else {
          report.failure("shutdown: " + e.getMessage());
          failed++;
        }
      }
    }
    return failed;
  }

  private static List<Placed> concat(List<Placed> a, List<Placed> b) {
    List<Placed> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
