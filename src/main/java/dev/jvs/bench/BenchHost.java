package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.Hierarchies;
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
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A private jvs installation for one benchmark run: JVS_ROOT, JVS_RUN and scratch space under a
 * fresh /tmp/jvs-bench-* directory, and the runtime built on them as the CLI builds it. {@link
 * #close()} (also run by a shutdown hook, so Ctrl-C cleans up too) removes every guest, cgroup,
 * foreign container and file the run made, and fails loudly if something stays. The run holds a
 * lock on base/owner.lock while it lives, so that a later run can tell a killed run's leftovers
 * from a live one and clean them up ({@link #reclaimAbandoned}).
 */
public final class BenchHost implements AutoCloseable {
  /** The largest cpu.share a guest can have (the v1 scale jvs speaks). */
  private static final long MAX_CPU_SHARES = 262_144;

  private static final String OWNER_LOCK = "owner.lock";
  private static final String BASE_PREFIX = "jvs-bench-";

  /**
   * Bases of this JVM's open hosts: their lock files must not even be opened by {@link
   * #reclaimAbandoned}, since closing any descriptor of a file drops the process's locks on it.
   */
  private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

  private final Path base;
  private final JvsDirs dirs;
  private final Path initBinary;
  private final CgroupDriver cgroups;
  private final Guests guests;
  private final HostCommands commands;
  // Filled by the benchmark thread, drained by close(), which the shutdown hook may run.
  private final Deque<Runnable> cleanups = new ConcurrentLinkedDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::close, "jvs-bench-cleanup");
  private final FileChannel owner;

  private BenchHost(Path base, Path initBinary) throws IOException {
    this.base = base;
    this.owner =
        FileChannel.open(
            base.resolve(OWNER_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    if (owner.tryLock() == null) {
      owner.close();
      throw new JvsException(base + ": in use by another benchmark run");
    }
    LIVE.add(base);
    this.dirs = new JvsDirs(base.resolve("root"), base.resolve("run"));
    this.initBinary = initBinary.toAbsolutePath();
    this.cgroups = CgroupDriver.detect();
    byte[] seccomp = SeccompCompiler.compile(SeccompProfiles.defaultProfile());
    this.guests = new Guests(dirs, this.initBinary, cgroups, seccomp);
    Files.createDirectories(scratch());
    this.commands =
        new HostCommands(
            Map.of("JVS_ROOT", dirs.root().toString(), "JVS_RUN", dirs.run().toString()),
            scratch().resolve("stderr.log"));
  }

  /** A fresh host under /tmp/jvs-bench-*, whose guests are launched by {@code initBinary}. */
  public static BenchHost create(Path initBinary) {
    Path base;
    try {
      base = Files.createTempDirectory(Path.of("/tmp"), BASE_PREFIX);
      // searchable: unprivileged guests' ids pass through it to their layers
      Files.setPosixFilePermissions(
          base, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
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

  public JvsDirs dirs() {
    return dirs;
  }

  Path initBinary() {
    return initBinary;
  }

  CgroupDriver cgroups() {
    return cgroups;
  }

  public Guests guests() {
    return guests;
  }

  HostCommands commands() {
    return commands;
  }

  /** Where bundles, OCI runtime state, AOT caches and logs go. */
  public Path scratch() {
    return base.resolve("work");
  }

  /** The busybox template's rootfs, built on first use; every contender runs on it. */
  Path templateRootfs() {
    return new Templates(dirs.templates()).ensure(BusyboxTemplate.NAME);
  }

  /**
   * Gives the parent cgroup of {@code dirs}'s guests the highest CPU weight for the run, so other
   * load on a shared host does not eat into what they measure. Only for guests that spin: an
   * attack's kernel work is finished by the host's kernel threads, which this starves
   * (IsolationBench).
   */
  static void outweighTheHost(JvsDirs dirs) {
    Hierarchies.probe().setCpuShares("/" + dirs.cgroupParent(), MAX_CPU_SHARES);
  }

  /** Runs {@code cleanup} at close, before guests are removed; later registrations run first. */
  public void onClose(Runnable cleanup) {
    cleanups.push(cleanup);
  }

  /** Throws once cleanup has begun (Ctrl-C), so a benchmark stops instead of racing it. */
  public void checkOpen() {
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
    try {
      owner.close();
      LIVE.remove(base);
    } catch (IOException e) {
      failures.add(base.resolve(OWNER_LOCK) + ": " + e.getMessage());
    }
    if (!failures.isEmpty()) {
      throw new JvsException("benchmark cleanup: " + String.join("; ", failures));
    }
  }

  /**
   * Cleans up after benchmark runs that were killed before their cleanup ran: every
   * /tmp/jvs-bench-* whose owner lock nobody holds any more. Their guests are deleted, their runc
   * and crun containers too, and the directory only once no mount is left below it (as {@link
   * #close()} does). Runs without an owner lock (older builds) are left alone. Returns the
   * directories cleaned up.
   */
  public static List<String> reclaimAbandoned(Path initBinary) {
    List<String> reclaimed = new ArrayList<>();
    try (DirectoryStream<Path> runs =
        Files.newDirectoryStream(Path.of("/tmp"), BASE_PREFIX + "*")) {
      for (Path base : runs) {
        if (!LIVE.contains(base)
            && Files.isRegularFile(base.resolve(OWNER_LOCK))
            && abandoned(base)) {
          killServices(base);
          BenchHost host = new BenchHost(base, initBinary);
          for (String runtime : List.of("runc", "crun")) {
            Path state = host.scratch().resolve(runtime + "-state");
            OciRuntime.find(runtime, state, host.commands()).ifPresent(r -> r.deleteAll());
          }
          host.close();
          reclaimed.add(base.toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("/tmp: " + e.getMessage(), e);
    }
    return reclaimed;
  }

  /**
   * SIGKILLs the processes a dead run started with its JVS_ROOT in their environment (its `jvs
   * serve`, a client call in flight), which outlive the JVM that started them.
   */
  private static void killServices(Path base) {
    byte[] mark = ("JVS_ROOT=" + base.resolve("root") + "\0").getBytes(StandardCharsets.UTF_8);
    try (var all = ProcessHandle.allProcesses()) {
      all.filter(p -> environContains(p.pid(), mark))
          .forEach(
              p -> {
                p.destroyForcibly();
                p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
              });
    }
  }

  private static boolean environContains(long pid, byte[] mark) {
    try {
      byte[] env = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
      outer:
      for (int i = 0; i + mark.length <= env.length; i++) {
        if (i > 0 && env[i - 1] != 0) {
          continue;
        }
        for (int j = 0; j < mark.length; j++) {
          if (env[i + j] != mark[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    } catch (IOException e) {
      return false; // gone, or a kernel thread
    }
  }

  /** Whether nobody holds {@code base}'s owner lock (its run died). */
  private static boolean abandoned(Path base) throws IOException {
    try (FileChannel ch = FileChannel.open(base.resolve(OWNER_LOCK), StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock();
      return lock != null;
    } catch (OverlappingFileLockException e) {
      return false; // a run of this very JVM
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
      mountsUnder(base).forEach(m -> found.add("mount " + m));
    } catch (UncheckedIOException e) {
      found.add("unreadable /proc/self/mountinfo");
    }
    try {
      Hierarchies.probe().existing(dirs.cgroupParent()).forEach(d -> found.add("cgroup " + d));
    } catch (RuntimeException e) {
      found.add("cgroups unreadable: " + e.getMessage());
    }
    return found;
  }

  /** Mount points at or below {@code dir}, deepest first. */
  static List<String> mountsUnder(Path dir) {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(l -> l.split(" ")[4])
          .filter(m -> m.equals(dir.toString()) || m.startsWith(dir + "/"))
          .sorted(Comparator.comparing(String::length).reversed())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void attempt(List<String> failures, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(String.valueOf(e.getMessage()));
    }
  }
}
