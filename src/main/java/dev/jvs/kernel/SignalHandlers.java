package dev.jvs.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Whether a PID namespace's init would receive a signal sent from outside its namespace. The kernel
 * drops such a signal (SIGKILL and SIGSTOP aside) when init has neither a handler for it nor has it
 * blocked: a stop signal sent before init set up its signal handling is lost, and the stop would
 * wait out its whole timeout. Read from /proc/PID/status (SigCgt, SigBlk) and /proc/PID/wchan: an
 * init sleeping in sigtimedwait(2) (busybox init, for one) has its set blocked only in a mask /proc
 * does not show.
 */
public final class SignalHandlers {
  private static final long POLL_MILLIS = 5;

  private SignalHandlers() {}

  /** Whether {@code signal} sent to {@code pid} now would reach it; false when it is gone. */
  public static boolean deliverable(long pid, int signal) {
    try {
      List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
      if (has(status, "SigCgt:", signal) || has(status, "SigBlk:", signal)) {
        return true;
      }
      return Files.readString(Path.of("/proc/" + pid + "/wchan")).startsWith("do_sigtimedwait");
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits up to {@code max} until {@code signal} would reach {@code pid}; whether it would. */
  public static boolean await(long pid, int signal, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!deliverable(pid, signal)) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(POLL_MILLIS);
    }
    return true;
  }

  private static boolean has(List<String> status, String field, int signal) {
    for (String line : status) {
      if (line.startsWith(field)) {
        long mask = Long.parseUnsignedLong(line.substring(field.length()).strip(), 16);
        return (mask & (1L << (signal - 1))) != 0;
      }
    }
    return false;
  }
}
