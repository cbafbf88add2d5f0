package dev.jvs.migrate;

import dev.jvs.base.JvsException;
import dev.jvs.bench.BenchHost;
import dev.jvs.bench.JvmCli;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.image.Trees;
import dev.jvs.net.NetNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * `jvs bench migrate`: a busybox guest holding a working set of N MiB in one process's memory moves
 * between the two hosts of a {@link HostPair} with `jvs migrate`, run as ./jvs runs it: by the
 * source's service, through jvs-client (until 2026-12-07 in a JVM of its own, so the source's side
 * was a cold JVM in every migration); post-copy a to b (the memory fetched after the resume),
 * post-copy back and to b again (the third: each service has dumped and restored before, as a
 * long-running service has, where the first pays the JIT's warm-up of that code in both), stop-copy
 * back (checkpoint, transfer, restore: the memory comes along before the resume), then the old way
 * a to b, stop-copy-restart: stopped, its private layer copied over the same link, started there
 * and its working set rebuilt (the memory is lost).
 */
public final class MigrationBench {
  private static final GuestName GUEST = GuestName.of("mover");
  private static final Pattern TOTAL =
      Pattern.compile(
          "total (\\d+) ms \\(before the freeze (\\d+), dump (\\d+), transfer (\\d+),"
              + " restore (\\d+), memory after resume (\\d+)\\)");
  private static final Pattern DOWNTIME = Pattern.compile("downtime: (\\d+) ms");
  private static final Pattern THERE = Pattern.compile("restore there: (.*)");
  private static final int COPY_PORT = 9000;
  private static final Duration PATIENCE = Duration.ofSeconds(600);

  /** What one `jvs migrate` printed, in milliseconds, and the size of its images there. */
  public record Migrated(
      long total,
      long downtime,
      long beforeFreeze,
      long dump,
      long transfer,
      long restore,
      long memoryAfterResume,
      long imagesBytes,
      String restoreThere) {}

  /** What one run measured, in milliseconds. */
  public record Figures(
      long workingSetBytes,
      Migrated postCopy,
      Migrated postCopyWarm,
      Migrated stopCopy,
      long stop,
      long copy,
      long start,
      long rebuild) {
    /** Stop-copy-restart: from the stop until the guest runs with its working set again. */
    public long stopCopyRestart() {
      return stop + copy + start + rebuild;
    }
  }

  private static final Map<String, String> PRIVILEGED = Map.of("security.privileged", "true");

  /**
   * Runs the benchmark with a working set of {@code mib} MiB; {@code unprivileged}: the guest keeps
   * a user namespace of its own (jvs's default), whose post-copy needs
   * vm.unprivileged_userfaultfd=1 (docs/migration.md), else it is set privileged, as the figures
   * there were measured.
   */
  public Figures measure(Path init, int mib, boolean unprivileged, Consumer<String> progress) {
    JvmCli cli =
        JvmCli.ofRunningJar(init)
            .orElseThrow(() -> new JvsException("bench migrate: runs from jvs.jar only"));
    Path client = init.resolveSibling("jvs-client");
    if (!Files.isExecutable(client)) {
      throw new JvsException("bench migrate: no jvs-client beside " + init);
    }
    try (BenchHost a = BenchHost.create(init);
        BenchHost b = BenchHost.create(init);
        HostPair pair =
            new HostPair(
                NetNames.of(a.dirs().root()).tag(),
                a.dirs(),
                b.dirs(),
                // the services as ./jvs serve runs them: all compiler tiers (TLS needs C2's
                // AES-GCM), where ./jvs stops short-lived verbs at C1, and the AOT cache
                cli.command(
                    Stream.concat(
                            Stream.of("-XX:TieredStopAtLevel=4"), cli.aotCacheFlags().stream())
                        .toList(),
                    List.of()),
                a.scratch())) {
      progress.accept("starting two services, each in its own network namespace");
      pair.a().startService();
      pair.b().startService();
      String tokenB = trust(pair.b());
      String tokenA = trust(pair.a());

      progress.accept(
          (unprivileged ? "unprivileged " : "")
              + "guest with a "
              + mib
              + " MiB working set on host a");
      Guests ga = a.guests();
      ga.build(GUEST, "busybox");
      if (!unprivileged) {
        ga.set(GUEST, PRIVILEGED); // as the figures in docs/migration.md were measured
      }
      installHog(a, mib);
      ga.start(GUEST, List.of(), Guests.Attach.DETACHED);
      long workingSet = startHog(a, mib);
      progress.accept("working set: " + workingSet / (1 << 20) + " MiB (guest's memory cgroup)");

      progress.accept("jvs migrate a -> b (post-copy)");
      Migrated post = migrate(client, pair.a(), pair.b(), tokenB, b, false);
      progress.accept("jvs migrate b -> a and a -> b (post-copy, each service warmed)");
      migrate(client, pair.b(), pair.a(), tokenA, a, false);
      Migrated warm = migrate(client, pair.a(), pair.b(), tokenB, b, false);
      progress.accept("jvs migrate --stop-copy b -> a");
      Migrated stopCopy = migrate(client, pair.b(), pair.a(), tokenA, a, true);

      progress.accept("stop-copy-restart a -> b");
      long t0 = System.nanoTime();
      ga.stop(GUEST, Duration.ofSeconds(10));
      long t1 = System.nanoTime();
      Path landing = b.scratch().resolve("landing");
      copyLayer(pair.a(), pair.b(), a.dirs().guest(GUEST), landing);
      long t2 = System.nanoTime();
      Guests gb = b.guests();
      gb.build(GUEST, "busybox");
      if (!unprivileged) {
        gb.set(GUEST, PRIVILEGED); // the upper layer comes with host root's ids, not a range's
      } // else with its range's, which b gives it again: both roots allocate in one window
      Path upper = b.dirs().guest(GUEST).resolve("upper");
      Files.delete(upper);
      Files.move(landing.resolve("upper"), upper);
      gb.start(GUEST, List.of(), Guests.Attach.DETACHED);
      long t3 = System.nanoTime();
      startHog(b, mib);
      long t4 = System.nanoTime();
      Trees.deleteIfExists(landing);
      return new Figures(
          workingSet, post, warm, stopCopy, ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3));
    } catch (IOException e) {
      throw new UncheckedIOException("bench migrate: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException("bench migrate: interrupted");
    }
  }

  /** A token {@code side} trusts, as its admin would make one. */
  private static String trust(HostPair.Side side) {
    HostPair.Result trusted = side.jvs("trust", "add", "bench");
    require(trusted, "trust add");
    return trusted.out().strip();
  }

  /** `jvs migrate` of the guest from one side to the other, which must then run it. */
  private static Migrated migrate(
      Path client,
      HostPair.Side from,
      HostPair.Side to,
      String token,
      BenchHost there,
      boolean stopCopy)
      throws IOException {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "migrate",
                GUEST.value(),
                "--to",
                to.url(),
                "--token",
                token,
                "--fingerprint",
                to.fingerprint()));
    args.add(stopCopy ? "--stop-copy" : "--post-copy");
    long servedBefore = from.served("migrate");
    HostPair.Result moved = from.throughService(client, args.toArray(String[]::new));
    require(moved, "migrate" + (stopCopy ? " --stop-copy" : ""));
    if (from.served("migrate") != servedBefore + 1) {
      throw new JvsException(
          "bench migrate: the source's service did not run `jvs migrate` (its client fell back to"
              + " a JVM of its own, which would time something else)");
    }
    Matcher total = TOTAL.matcher(moved.out());
    Matcher down = DOWNTIME.matcher(moved.out());
    Matcher phases = THERE.matcher(moved.out());
    if (!total.find() || !down.find()) {
      throw new JvsException("bench migrate: unexpected output: " + moved.out().strip());
    }
    if (there.guests().status(GUEST).state() != GuestStatus.State.RUNNING) {
      throw new JvsException("bench migrate: the guest does not run on host " + to.netns());
    }
    return new Migrated(
        Long.parseLong(total.group(1)),
        Long.parseLong(down.group(1)),
        Long.parseLong(total.group(2)),
        Long.parseLong(total.group(3)),
        Long.parseLong(total.group(4)),
        Long.parseLong(total.group(5)),
        Long.parseLong(total.group(6)),
        size(there.dirs().guest(GUEST).resolve("checkpoint")),
        phases.find() ? phases.group(1).strip() : "");
  }

  /**
   * /hog: busybox awk reads one line of N/2 bytes and keeps it (awk's read buffer and the string
   * make N of touched memory), then waits in a child sleep; /tmp/hog-ready says it is done.
   */
  private static void installHog(BenchHost host, int mib) throws IOException {
    long line = (long) mib * (1 << 20) / 2;
    Path hog = host.dirs().guest(GUEST).resolve("upper/hog");
    Files.writeString(
        hog,
        "#!/bin/sh\nrm -f /tmp/hog-ready\nhead -c "
            + line
            + " /dev/zero | tr '\\0' a | awk 'BEGIN { getline s;"
            + " system(\"touch /tmp/hog-ready; exec sleep 1000000\") }'\n");
    Files.setPosixFilePermissions(hog, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Starts /hog in the guest and waits until it holds its working set; the guest's memory. */
  private static long startHog(BenchHost host, int mib) throws InterruptedException {
    Path ready = host.dirs().guest(GUEST).resolve("upper/tmp/hog-ready");
    host.guests()
        .exec(
            GUEST,
            List.of("sh", "-c", "setsid /hog </dev/null >/dev/null 2>&1 &"),
            false,
            new dev.jvs.launch.Launcher.Stdio(
                ProcessBuilder.Redirect.from(new java.io.File("/dev/null")),
                ProcessBuilder.Redirect.DISCARD,
                ProcessBuilder.Redirect.DISCARD));
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!Files.exists(ready)) {
      if (System.nanoTime() > deadline) {
        throw new JvsException("bench migrate: the working set of " + mib + " MiB never came up");
      }
      Thread.sleep(20);
    }
    return host.guests().status(GUEST).usage().memoryBytes();
  }

  /** The private layer over the link as a plain copy goes: tar to a TCP socket, nc into tar. */
  private static void copyLayer(HostPair.Side from, HostPair.Side to, Path guestDir, Path landing)
      throws IOException, InterruptedException {
    Files.createDirectories(landing);
    Process listener =
        new ProcessBuilder(
                "nsenter",
                "--net=/run/netns/" + to.netns(),
                "--",
                "sh",
                "-c",
                "busybox nc -l -p "
                    + COPY_PORT
                    + " | tar -x --numeric-owner --xattrs --xattrs-include='trusted.*' -C "
                    + landing)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      Thread.sleep(200); // the listener binds
      HostPair.Result sent =
          from.sh(
              "tar -c --numeric-owner --xattrs --xattrs-include='trusted.*' -C "
                  + guestDir
                  + " upper | bash -c 'cat > /dev/tcp/"
                  + to.address()
                  + "/"
                  + COPY_PORT
                  + "'");
      require(sent, "copy of the private layer");
      if (!listener.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS) || listener.exitValue() != 0) {
        throw new JvsException("bench migrate: the copy's receiving end failed");
      }
    } finally {
      listener.destroyForcibly();
    }
  }

  private static long size(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      long sum = 0;
      for (Path f : files.toList()) {
        sum += Files.size(f);
      }
      return sum;
    }
  }

  private static void require(HostPair.Result r, String what) {
    if (r.code() != 0) {
      throw new JvsException(
          "bench migrate: " + what + ": " + (r.err().strip() + " " + r.out().strip()).strip());
    }
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
