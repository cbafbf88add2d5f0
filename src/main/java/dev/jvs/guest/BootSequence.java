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
  private final Guests guests;
  private final Consumer<String> log;

  public BootSequence(Guests guests, Consumer<String> log) {
    this.guests = guests;
    this.log = log;
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
          log.accept("autostart: " + name + ": already running");
          continue;
        }
        due.add(new Placed(name, boot));
      } catch (RuntimeException e) {
        log.accept("autostart: " + e.getMessage());
        failed++;
      }
    }
    due.sort(BOOT_ORDER);
    for (int i = 0; i < due.size(); i++) {
      Placed p = due.get(i);
      try {
        guests.start(p.name(), List.of(), Guests.Attach.DETACHED);
        log.accept("autostart: started " + p.name());
      } catch (RuntimeException e) {
        log.accept("autostart: " + e.getMessage());
        failed++;
        continue; // it did not start: the next need not wait for it
      }
      Duration delay = p.boot().delay();
      if (!delay.isZero() && i < due.size() - 1) {
        log.accept("autostart: waiting " + Values.formatDuration(delay) + " (" + p.name() + ")");
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
        log.accept("shutdown: stopped " + p.name());
      } catch (RuntimeException e) {
        if (guests.status(p.name()).state() == GuestStatus.State.STOPPED) {
          log.accept("shutdown: " + p.name() + ": stopped meanwhile");
        } else {
          log.accept("shutdown: " + e.getMessage());
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
