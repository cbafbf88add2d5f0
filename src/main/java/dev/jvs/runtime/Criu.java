package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.kernel.BirthTime;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import dev.jvs.kernel.Signal;
import dev.jvs.kernel.SpawnedProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The criu binary and how jvs runs it (docs/checkpoint.md): with hardware breakpoints off, since
 * some hypervisors never deliver their trap and criu would wait forever; in a session of its own,
 * so a deadline can kill criu and every helper it forked; its failure as one line from its log.
 */
public final class Criu {
  /** criu's fault-injection code that makes it step with PTRACE_SYSCALL, never a breakpoint. */
  private static final String NO_BREAKPOINTS = "130";

  /**
   * Where tools/criu/criu.sh caches the criu it builds, newest first: 4.1.1 cannot dump a TCP
   * socket on kernels from 6.16 on.
   */
  private static final List<Path> CACHED =
      List.of(Path.of("/var/cache/jvs/criu/4.2.1/criu"), Path.of("/var/cache/jvs/criu/4.1.1/criu"));

  private static final List<Path> ON_PATH =
      List.of(Path.of("/usr/sbin/criu"), Path.of("/usr/bin/criu"));

  /** How long one criu run may take (-Djvs.criu.timeout, seconds). */
  static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("jvs.criu.timeout", 120));

  /**
   * How often a wait for criu looks at its state: each wait costs half of it on average, and a
   * migration's downtime holds four of them; a look is a stat or a read of a log's new lines.
   */
  private static final long POLL_MS = 1;

  private final Path binary;

  private Criu(Path binary) {
    this.binary = binary;
  }

  /**
   * The criu to use: -Djvs.criu, $JVS_CRIU, the cached build, the host's; none is an error naming
   * the way to get one. Its kernel probe's cache is made safe to read first ({@link KerndatCache}).
   */
  public static Criu find(String who) {
    List<Path> candidates = new ArrayList<>();
    Optional.ofNullable(System.getProperty("jvs.criu")).map(Path::of).ifPresent(candidates::add);
    Optional.ofNullable(System.getenv("JVS_CRIU"))
        .filter(s -> !s.isEmpty())
        .map(Path::of)
        .ifPresent(candidates::add);
    candidates.addAll(CACHED);
    candidates.addAll(ON_PATH);
    Criu criu =
        candidates.stream()
            .filter(Files::isExecutable)
            .findFirst()
            .map(Criu::new)
            .orElseThrow(
                () ->
                    new JvsException(
                        who
                            + ": checkpoint and restore need criu, and none was found"
                            + " (tools/criu/criu.sh ensure builds one; docs/checkpoint.md)"));
    KerndatCache.secure(who);
    return criu;
  }

  public Path binary() {
    return binary;
  }

  /**
   * Per binary: whether `criu check --feature network_lock_nftables` passed (asked once a process).
   */
  private static final Map<Path, Boolean> NFTABLES_LOCK = new ConcurrentHashMap<>();

  /**
   * Whether this criu can lock a dumped tree's network with nftables: built with libnftables, on a
   * kernel with nftables set concatenations.
   */
  boolean locksWithNftables() {
    return NFTABLES_LOCK.computeIfAbsent(
        binary,
        b -> {
          try {
            Process p =
                builder(List.of(), List.of("check", "--feature", "network_lock_nftables"))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
              kill(p);
              return false;
            }
            return p.exitValue() == 0;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  /** A process builder for {@code criu ARGS…} run through {@code prefix}, in its own session. */
  ProcessBuilder builder(List<String> prefix, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("setsid"); // not a group leader here, so setsid execs in place: the pid stays criu's
    cmd.addAll(command(prefix, args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("CRIU_FAULT", NO_BREAKPOINTS);
    return pb;
  }

  /** {@code criu ARGS…} run through {@code prefix}, for a launcher that makes the session. */
  List<String> command(List<String> prefix, List<String> args) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(binary.toString());
    cmd.addAll(args);
    return cmd;
  }

  /** The environment criu runs with: this process's, and no hardware breakpoints. */
  static Map<String, String> environment() {
    Map<String, String> env = new java.util.TreeMap<>(System.getenv());
    env.put("CRIU_FAULT", NO_BREAKPOINTS);
    return env;
  }

  /**
   * A criu that runs, as its waits see it: its end, and the kill of its session at a deadline. A
   * child of this process, or one a jvs-init monitor forked (inside a guest's Landlock domain).
   */
  interface Running {
    /** Whether it ended within {@code millis}. */
    boolean waitFor(long millis) throws InterruptedException;

    /** SIGKILL to its session, then a short wait for its end. */
    void kill();

    /** Its exit status, once ended. */
    int exitValue();

    static Running of(Process p) {
      return new Running() {
        @Override
        public boolean waitFor(long millis) throws InterruptedException {
          return p.waitFor(millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void kill() {
          Criu.kill(p);
        }

        @Override
        public int exitValue() {
          return p.exitValue();
        }
      };
    }
  }

  /**
   * Runs {@code criu ARGS…} to its end; {@code step} and {@code log} name it in a failure, which
   * carries criu's first error line. After {@link #TIMEOUT} its session is killed.
   */
  void run(String who, String step, List<String> args, Path log) {
    ProcessBuilder pb =
        builder(List.of(), args)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(log.resolveSibling("criu.out").toFile()));
    Process p = start(who, step, pb);
    await(who, step, p, log, () -> false);
    if (p.exitValue() != 0) {
      throw failure(who, step, p.exitValue(), log);
    }
  }

  /**
   * Starts {@code criu ARGS…} in its own session on exactly {@code fds} (its 0, 1, 2, 3…): how criu
   * gets an fd ProcessBuilder cannot hand over, such as one end of a socket pair.
   */
  Process spawn(String who, String step, List<String> args, int[] fds) {
    List<String> argv = new ArrayList<>();
    argv.addAll(List.of("/usr/bin/env", "CRIU_FAULT=" + NO_BREAKPOINTS, "setsid"));
    argv.add(binary.toString());
    argv.addAll(args);
    try {
      return SpawnedProcess.start(argv, fds);
    } catch (KernelException e) {
      throw new JvsException(who + ": criu " + step + ": " + e.getMessage(), e);
    }
  }

  Process start(String who, String step, ProcessBuilder pb) {
    try {
      return pb.start();
    } catch (IOException e) {
      throw new JvsException(who + ": criu " + step + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until {@code p} exits or {@code done} holds; past the deadline kills its session and
   * fails naming the step. Returns whether {@code done} held (false: the process exited).
   */
  boolean await(String who, String step, Process p, Path log, BooleanSupplier done) {
    return await(who, step, Running.of(p), log, done);
  }

  /** As above, for any running criu. */
  boolean await(String who, String step, Running p, Path log, BooleanSupplier done) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (done.getAsBoolean()) {
          return true;
        }
        if (p.waitFor(POLL_MS)) {
          return done.getAsBoolean();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.kill();
      throw new JvsException(who + ": criu " + step + ": interrupted (criu killed)");
    }
    p.kill();
    throw new JvsException(
        who
            + ": criu "
            + step
            + " did not finish in "
            + TIMEOUT.toSeconds()
            + " s and was killed (-Djvs.criu.timeout; log: "
            + log
            + ")");
  }

  /** SIGKILL to criu's session (its process group: setsid made criu its leader). */
  static void kill(Process p) {
    Libc.kill((int) -p.pid(), Signal.SIGKILL);
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** criu's failure as one line: the first error of its log (or of its output), and the log. */
  static JvsException failure(String who, String step, int code, Path log) {
    String cause =
        firstError(log)
            .or(() -> lastLine(log.resolveSibling("criu.out")))
            .orElse("exit status " + code);
    if (cause.contains("Can't get 1:16 opt")) { // SO_PASSCRED, refused for inet sockets
      cause +=
          " (criu before 4.2 cannot dump TCP sockets on kernels from 6.16 on;"
              + " tools/criu/criu.sh build)";
    }
    return new JvsException(who + ": criu " + step + " failed: " + cause + " (log: " + log + ")");
  }

  /**
   * The first "Error (file:line): text" of a criu log. criu reports not being able to raise its own
   * RLIMIT_NOFILE as an error and goes on, and so its probe of the kernel's tun support, which a
   * restore in a guest's cgroup makes where the guest's device rules refuse /dev/net/tun: neither
   * is ever the cause.
   */
  static Optional<String> firstError(Path log) {
    for (String line : lines(log)) {
      int at = line.indexOf("Error (");
      if (at < 0) {
        continue;
      }
      int close = line.indexOf("): ", at);
      String text = close < 0 ? line.substring(at) : line.substring(close + 3);
      if (!text.startsWith("rlimit:") && !text.startsWith("tun: Unable to create tun")) {
        return Optional.of(text.strip());
      }
    }
    return Optional.empty();
  }

  /**
   * When the tree of the dump that logs to {@code log} froze, as {@link System#nanoTime()}: criu's
   * log clock starts as criu creates the log, so the log's birth time (less 1 ms: a file system
   * stamps it from a clock that may have ticked in the µs between) plus the first seize's time in
   * it. {@code notBefore}, taken before criu was spawned, stands for the birth time where the file
   * system keeps none or the log predates it; it is also the answer when the log names no seize.
   * Never late: a downtime from it is never too short.
   */
  static long seizedAt(Path log, long notBefore) {
    Optional<Duration> seize = firstSeize(log);
    if (seize.isEmpty()) {
      return notBefore;
    }
    long logStart =
        BirthTime.of(log)
            .map(birth -> nanoTimeOf(birth) - BIRTH_MARGIN.toNanos())
            .filter(t -> t >= notBefore)
            .orElse(notBefore);
    return logStart + seize.get().toNanos();
  }

  private static final Duration BIRTH_MARGIN = Duration.ofMillis(1);

  /** {@code at}, a wall-clock time, on {@link System#nanoTime()}'s clock. */
  private static long nanoTimeOf(Instant at) {
    long now = System.nanoTime();
    return now - Duration.between(at, Instant.now()).toNanos();
  }

  /**
   * From a dump log: when criu first seized a task of the tree ("Seized task"), in criu's own
   * timestamps ("(SS.micros)" since its start); empty when the log holds no seize. What criu did
   * before (probing the kernel, reading the tree) left the tree running.
   */
  static Optional<Duration> firstSeize(Path log) {
    // read up to it, near the top: the whole log is ~200 KB by then, and the tree is frozen
    try (BufferedReader in = Files.newBufferedReader(log, StandardCharsets.ISO_8859_1)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        int close = line.indexOf(')');
        if (line.startsWith("(") && close > 0 && line.contains("Seized task")) {
          try {
            double at = Double.parseDouble(line.substring(1, close));
            return Optional.of(Duration.ofNanos(Math.round(at * 1e9)));
          } catch (NumberFormatException e) {
            return Optional.empty();
          }
        }
      }
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(log + ": " + e.getMessage(), e);
    }
    return Optional.empty();
  }

  private static Optional<String> lastLine(Path file) {
    List<String> lines = lines(file);
    for (int n = lines.size() - 1; n >= 0; n--) {
      if (!lines.get(n).isBlank()) {
        return Optional.of(lines.get(n).strip());
      }
    }
    return Optional.empty();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }
}
