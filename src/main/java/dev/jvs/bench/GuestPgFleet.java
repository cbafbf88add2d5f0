package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL in jvs guests on the {@link HostUserland} template: guest pgN's PID 1 is its server
 * (as user postgres), its cluster in the guest's own overlayfs layer; pgbench runs by `exec`.
 */
final class GuestPgFleet extends PgFleet {
  private final BenchHost host;
  private final List<GuestName> guests = new ArrayList<>();

  GuestPgFleet(BenchHost host) {
    super("jvs");
    this.host = host;
    host.onClose(this::close);
  }

  private static GuestName name(int i) {
    return GuestName.of("pg" + i);
  }

  private static List<String> argv(String... args) {
    List<String> argv = new ArrayList<>(PgInstall.asPostgres());
    argv.addAll(List.of("/bin/sh", PgInstall.GUEST_SCRIPT));
    argv.addAll(List.of(args));
    return argv;
  }

  @Override
  void startOne(int i) {
    GuestName g = name(i);
    host.guests().build(g, HostUserland.TEMPLATE);
    synchronized (guests) {
      guests.add(g);
    }
    Path devNull = Path.of("/dev/null");
    host.guests()
        .start(
            g,
            argv("serve", PgInstall.GUEST_SEED, PgInstall.GUEST_DIR),
            Guests.Attach.DETACHED,
            new Launcher.Stdio(
                ProcessBuilder.Redirect.from(devNull.toFile()),
                ProcessBuilder.Redirect.to(devNull.toFile()),
                ProcessBuilder.Redirect.to(devNull.toFile())));
  }

  @Override
  void awaitReady(int i) {
    exec(i, "ready", argv("ready", PgInstall.GUEST_DIR));
  }

  @Override
  String bench(int i, int seconds, int clients) {
    return exec(
        i,
        "bench",
        argv("bench", PgInstall.GUEST_DIR, String.valueOf(seconds), String.valueOf(clients)));
  }

  private String exec(int i, String step, List<String> argv) {
    Path out = host.scratch().resolve("pg-jvs-" + i + ".out");
    Path err = host.scratch().resolve("pg-jvs-" + i + ".err");
    int code =
        host.guests()
            .exec(
                name(i),
                argv,
                false,
                new Launcher.Stdio(
                    ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
                    ProcessBuilder.Redirect.to(out.toFile()),
                    ProcessBuilder.Redirect.to(err.toFile())));
    try {
      if (code != 0) {
        throw new JvsException(
            name(i) + ": " + step + " exited " + code + ": " + Files.readString(err).strip());
      }
      return Files.readString(out);
    } catch (IOException e) {
      throw new UncheckedIOException(out + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    List<GuestName> all;
    synchronized (guests) {
      all = List.copyOf(guests);
      guests.clear();
    }
    for (GuestName g : all) {
      host.guests().delete(g, true);
    }
  }
}
