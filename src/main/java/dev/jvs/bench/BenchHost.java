package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.JvsDirs;
import dev.jvs.image.BusyboxTemplate;
import dev.jvs.image.Templates;
import dev.jvs.image.Trees;
import dev.jvs.kernel.seccomp.SeccompCompiler;
import dev.jvs.kernel.seccomp.SeccompProfiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A private jvs installation for one benchmark run: JVS_ROOT, JVS_RUN and scratch space under a
 * fresh /tmp/jvs-bench-* directory, and the runtime built on them as the CLI builds it. {@link
 * #close()} (also run by a shutdown hook, so Ctrl-C cleans up too) removes every guest, cgroup,
 * foreign container and file the run made, and fails loudly if something stays.
 */
public final class BenchHost implements AutoCloseable {
  private final Path base;
  private final JvsDirs dirs;
  private final Path initBinary;
  private final CgroupDriver cgroups;
  private final Guests guests;
  private final Commands commands;
  // Filled by the benchmark thread, drained by close(), which the shutdown hook may run.
  private final Deque<Runnable> cleanups = new ConcurrentLinkedDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::close, "jvs-bench-cleanup");

  private BenchHost(Path base, Path initBinary) throws IOException {
    this.base = base;
    this.dirs = new JvsDirs(base.resolve("root"), base.resolve("run"));
    this.initBinary = initBinary.toAbsolutePath();
    this.cgroups = CgroupDriver.detect();
    byte[] seccomp = SeccompCompiler.compile(SeccompProfiles.defaultProfile());
    this.guests = new Guests(dirs, this.initBinary, cgroups, seccomp);
    Files.createDirectories(scratch());
    this.commands =
        new Commands(
            Map.of("JVS_ROOT", dirs.root().toString(), "JVS_RUN", dirs.run().toString()),
            scratch().resolve("stderr.log"));
  }

  /** A fresh host under /tmp/jvs-bench-*, whose guests are launched by {@code initBinary}. */
  public static BenchHost create(Path initBinary) {
    Path base;
    try {
      base = Files.createTempDirectory(Path.of("/tmp"), "jvs-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException("benchmark directory: " + e.getMessage(), e);
    }
    try {
      BenchHost host = new BenchHost(base, initBinary);
      Runtime.getRuntime().addShutdownHook(host.shutdownHook);
      return host;
    } catch (IOException | RuntimeException e) {
      Trees.deleteIfExists(base);
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  public Path base() {
    return base;
  }

  JvsDirs dirs() {
    return dirs;
  }

  Path initBinary() {
    return initBinary;
  }

  CgroupDriver cgroups() {
    return cgroups;
  }

  Guests guests() {
    return guests;
  }

  Commands commands() {
    return commands;
  }

  /** Where bundles, OCI runtime state, AOT caches and logs go. */
  Path scratch() {
    return base.resolve("work");
  }

  /** The busybox template's rootfs, built on first use; every contender runs on it. */
  Path templateRootfs() {
    return new Templates(dirs.templates()).ensure(BusyboxTemplate.NAME);
  }

  /** Runs {@code cleanup} at close, before guests are removed; later registrations run first. */
  void onClose(Runnable cleanup) {
    cleanups.push(cleanup);
  }

  /** Throws once cleanup has begun (Ctrl-C), so a benchmark stops instead of racing it. */
  void checkOpen() {
    if (closed.get()) {
      throw new JvsException("benchmark interrupted: cleaning up");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook running
    }
    List<String> failures = new ArrayList<>();
    while (!cleanups.isEmpty()) {
      attempt(failures, cleanups.pop());
    }
    attempt(failures, this::deleteGuests);
    attempt(failures, guests::gc);
    List<String> left = leftovers();
    if (left.isEmpty()) {
      attempt(failures, () -> Trees.deleteIfExists(base));
    } else {
      failures.add("left on the host (not deleting " + base + "): " + String.join(", ", left));
    }
    if (!failures.isEmpty()) {
      throw new JvsException("benchmark cleanup: " + String.join("; ", failures));
    }
  }

  private void deleteGuests() {
    for (GuestStatus s : guests.list()) {
      guests.delete(GuestName.of(s.name()), true);
    }
  }

  /** Mounts under the base directory and this root's parent cgroup; both must be gone. */
  private List<String> leftovers() {
    List<String> found = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mountPoint = line.split(" ")[4];
        if (mountPoint.startsWith(base.toString())) {
          found.add("mount " + mountPoint);
        }
      }
    } catch (IOException e) {
      found.add("unreadable /proc/self/mountinfo");
    }
    // The parent cgroup at the top of every hierarchy: /sys/fs/cgroup/* on v1, the root on v2.
    Path cgroupRoot = Path.of("/sys/fs/cgroup");
    List<Path> candidates = new ArrayList<>(List.of(cgroupRoot.resolve(dirs.cgroupParent())));
    try (Stream<Path> hierarchies = Files.list(cgroupRoot)) {
      hierarchies.forEach(h -> candidates.add(h.resolve(dirs.cgroupParent())));
    } catch (IOException e) {
      found.add("unreadable " + cgroupRoot);
    }
    candidates.stream().filter(Files::isDirectory).forEach(d -> found.add("cgroup " + d));
    return found;
  }

  private static void attempt(List<String> failures, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(String.valueOf(e.getMessage()));
    }
  }
}
