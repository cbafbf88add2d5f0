package dev.jvs.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.testing.Probe;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The attack probe src/test/c/attack-host.c, run as /attack-host inside guests (as their root) and
 * directly on the host (as host root, to see what the guest did to the host). Every mode prints one
 * result line that starts with the mode's name.
 */
final class AttackHost {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);

  private AttackHost() {}

  /** A probe run on the host: its pid (as SO_PEERCRED reports it) and its output, stripped. */
  record Ran(long pid, String output) {}

  /** Builds a busybox guest with {@code settings}, installs /attack-host, starts it. */
  static GuestName guest(TestHost host, String name, Map<String, String> settings) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    if (!settings.isEmpty()) {
      host.guests().set(g, settings);
    }
    host.installProbe(g, "attack-host");
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  /** Runs the probe on the host as host root and waits for it. */
  static Ran onHost(String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).start();
    try {
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
          .as("attack-host ended")
          .isTrue();
      return new Ran(p.pid(), out.strip());
    } finally {
      p.destroyForcibly();
    }
  }

  /** Starts the probe on the host in the background, output to {@code out}; the caller kills it. */
  static Process onHostInBackground(Path out, String... args) throws IOException {
    return new ProcessBuilder(command(args))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile())
        .redirectErrorStream(true)
        .start();
  }

  /** Kills a background probe on the host and waits for it to be gone. */
  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  /** Runs the probe in a guest, in the foreground; its output, stripped. */
  static String inGuest(TestHost host, GuestName g, String... args) {
    List<String> argv = new ArrayList<>();
    argv.add("/attack-host");
    argv.addAll(List.of(args));
    return host.exec(g, argv.toArray(String[]::new)).output().strip();
  }

  /**
   * Starts the probe in the background inside a guest (a process of the guest that outlives the
   * exec), output to the guest's file {@code out}, and returns its result line once it printed it.
   */
  static String holdInGuest(
      TestHost host, GuestName g, String out, Duration timeout, String... args)
      throws InterruptedException {
    String line = holdInGuestUnlessKilled(host, g, out, timeout, args);
    assertThat(line).as("the holder in %s", g).startsWith(args[0] + " ");
    return line;
  }

  /**
   * As {@link #holdInGuest}, for a holder that may run into the guest's memory limit: its result
   * line; or, if the OOM killer ended it (or the guest's init, and so the guest) first, what became
   * of it. The test then looks at the host all the same.
   */
  static String holdInGuestUnlessKilled(
      TestHost host, GuestName g, String out, Duration timeout, String... args)
      throws InterruptedException {
    String mode = args[0];
    TestHost.Run started =
        host.exec(
            g, "sh", "-c", "/attack-host " + String.join(" ", args) + " > " + out + " 2>&1 &");
    assertThat(started.code()).as(started.output()).isZero();
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (host.guests().status(g).state() != GuestStatus.State.RUNNING) {
        return "the guest was killed";
      }
      try {
        boolean alive = host.exec(g, "pidof", "attack-host").code() == 0;
        String text = host.exec(g, "cat", out).output(); // after pidof: a holder's last words too
        Optional<String> line = text.lines().filter(l -> l.startsWith(mode + " ")).findFirst();
        if (line.isPresent()) {
          return line.get();
        }
        // Not running and no output yet may only mean it has not exec'd: `sh -c "… &"` returns
        // once it forked, so a loaded host can look between the fork and the exec.
        if (!alive && !text.isBlank()) {
          return "the holder was killed: " + text.strip();
        }
      } catch (JvsException e) {
        // the guest died between status and exec
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no '" + mode + "' line from the guest in " + timeout);
  }

  /**
   * Ends every attack-host process of a guest: SIGTERM (the holders release what they took, e.g.
   * unlink their queues) and waits until none is left. A guest that died meanwhile (its memory
   * limit) has nothing left.
   */
  static void releaseInGuest(TestHost host, GuestName g) throws InterruptedException {
    try {
      host.exec(g, "killall", "attack-host");
      long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (host.exec(g, "pidof", "attack-host").code() == 0) {
        if (System.nanoTime() > end) {
          host.exec(g, "killall", "-KILL", "attack-host");
          break;
        }
        Thread.sleep(100);
      }
    } catch (JvsException e) {
      if (host.guests().status(g).state() == GuestStatus.State.RUNNING) {
        throw e;
      }
    }
  }

  /** The first line of {@code text()} starting with {@code prefix}, polled until the timeout. */
  static Optional<String> awaitLine(Supplier<String> text, String prefix, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> line = text.get().lines().filter(l -> l.startsWith(prefix)).findFirst();
      if (line.isPresent() || System.nanoTime() > end) {
        return line;
      }
      Thread.sleep(100);
    }
  }

  /** Whether {@code text()} contains {@code wanted}, polled until the timeout. */
  static boolean awaitText(Supplier<String> text, String wanted, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!text.get().contains(wanted)) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  /** A host file's content, empty while it does not exist. */
  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> command(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(Probe.binary("attack-host").toAbsolutePath().toString());
    argv.addAll(List.of(args));
    return argv;
  }
}
