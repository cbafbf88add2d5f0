package dev.jvs.runtime;

import dev.jvs.kernel.Libc;
import dev.jvs.kernel.Signal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a hook on the host, the one mechanism under OCI hooks and guest lifecycle scripts: in a
 * session (and process group) of its own, with exactly the environment given, its stdin fed, its
 * output passed on line by line, and a timeout after which its whole process group is killed.
 */
public final class HookRunner {
  /** How long output is still read after the hook exited (a child it left may hold the pipes). */
  private static final Duration OUTPUT_GRACE = Duration.ofMillis(500);

  private static final List<Path> SETSID =
      List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

  private HookRunner() {}

  /**
   * What to run.
   *
   * @param argv the program (an absolute path) and its arguments
   * @param env the whole environment of the hook
   * @param directory its working directory, or null for this process's
   * @param stdin what it reads on stdin (it need not read it)
   * @param timeout how long it may run, or null for no limit
   */
  public record Hook(
      List<String> argv, Map<String, String> env, Path directory, byte[] stdin, Duration timeout) {
    public Hook {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
      stdin = stdin == null ? new byte[0] : stdin.clone();
    }
  }

  /** Which of the hook's streams a line came from. */
  public enum Stream {
    STDOUT,
    STDERR
  }

  /** Receives the hook's output, one line at a time (called from reader threads, serialized). */
  @FunctionalInterface
  public interface Output {
    void line(Stream stream, String line);
  }

  /**
   * How a hook ended.
   *
   * @param exitCode its exit status (128 + N for a signal N), or -1 when it timed out
   * @param timedOut whether it was killed for running longer than its timeout
   * @param lastError its last non-blank line on stderr, or "" when it wrote none
   */
  public record Result(int exitCode, boolean timedOut, String lastError) {
    public boolean succeeded() {
      return !timedOut && exitCode == 0;
    }
  }

  /** Runs {@code hook} to its end (or its timeout) and says how it ended. */
  public static Result run(Hook hook, Output output) throws IOException, InterruptedException {
    Path program = Path.of(hook.argv().getFirst());
    if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
      throw new IOException("not an executable file"); // setsid would say so with status 127
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(setsid().toString()); // a new session: its pid is its process group's id
    cmd.add("--wait");
    cmd.addAll(hook.argv());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().putAll(hook.env());
    if (hook.directory() != null) {
      pb.directory(hook.directory().toFile());
    }
    Process p = pb.start();
    String[] lastError = {""};
    Object lock = new Object();
    Thread out = reader(p.getInputStream(), Stream.STDOUT, output, lock, lastError);
    Thread err = reader(p.getErrorStream(), Stream.STDERR, output, lock, lastError);
    try (OutputStream in = p.getOutputStream()) {
      in.write(hook.stdin());
    } catch (IOException ignored) {
      // a hook need not read its stdin
    }
    boolean exited = true;
    try {
      if (hook.timeout() == null) {
        p.waitFor();
      } else {
        exited = p.waitFor(hook.timeout().toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      killGroup(p);
      throw e;
    }
    if (!exited) {
      killGroup(p);
      p.waitFor();
    }
    out.join(OUTPUT_GRACE.toMillis());
    err.join(OUTPUT_GRACE.toMillis());
    synchronized (lock) {
      return new Result(exited ? p.exitValue() : -1, !exited, lastError[0]);
    }
  }

  /**
   * SIGKILL to the hook's process group: everything it started that stayed in it. Only once the
   * hook is its group's leader (setsid ran), never the group the hook was forked in, this one's.
   */
  private static void killGroup(Process p) {
    long pid = p.pid();
    if (processGroup(pid) == pid) {
      Libc.kill((int) -pid, Signal.SIGKILL);
    }
    p.destroyForcibly();
  }

  /** The process group of {@code pid}, from /proc/PID/stat (field 5), or -1 when it is gone. */
  private static long processGroup(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static Thread reader(
      InputStream stream, Stream which, Output output, Object lock, String[] lastError) {
    return Thread.ofPlatform()
        .daemon()
        .name("jvs-hook-" + which.name().toLowerCase(java.util.Locale.ROOT))
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (lock) {
                    if (which == Stream.STDERR && !line.isBlank()) {
                      lastError[0] = line.strip();
                    }
                    output.line(which, line);
                  }
                }
              } catch (IOException e) {
                // the pipe went away with the hook
              }
            });
  }

  private static Path setsid() throws IOException {
    for (Path p : SETSID) {
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IOException("setsid(1) not found (util-linux)");
  }
}
