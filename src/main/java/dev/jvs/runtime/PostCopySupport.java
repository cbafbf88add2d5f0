package dev.jvs.runtime;

import dev.jvs.kernel.Sysctl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether criu's post-copy can work here (docs/migration.md). Its page server reads the memory it
 * serves through a pipe it first grows to 819 pages (3.2 MiB; criu's PIPE_MAX_SIZE on x86-64). Past
 * fs.pipe-max-size (1 MiB by default) that takes CAP_SYS_RESOURCE; without it criu 4.2 ignores the
 * failure, splices into its stdin instead of /dev/null, and fails the first page request
 * ("page-pipe: splice: -1: Bad file descriptor"), while the restore there waits for that page.
 */
public final class PostCopySupport {
  /** criu's tee pipe: 8 pages' worth of 40-byte pipe buffers, as pages. */
  public static final long PAGE_SERVER_PIPE = (8 * 4096 / 40) * 4096L;

  private static final int CAP_SYS_RESOURCE = 24;

  private PostCopySupport() {}

  /**
   * Why post-copy cannot move a guest from this host, or empty when it can: {@link #missing()}, and
   * for a guest in a user namespace of its own (an unprivileged one) userfaultfd there. Its restore
   * opens userfaultfd inside that namespace, where the kernel grants it only with
   * vm.unprivileged_userfaultfd=1 (0 by default: "uffd: Unable to open an userfaultfd descriptor:
   * Operation not permitted", after the freeze). The destination's setting is what counts; this
   * host's stands for it, and a destination that refuses fails the restore, which is rolled back.
   */
  public static Optional<String> missing(boolean userNamespace) {
    Optional<String> host = missing();
    if (host.isPresent() || !userNamespace || unprivilegedUserfaultfd()) {
      return host;
    }
    return Optional.of(
        "an unprivileged guest's restore opens userfaultfd in its user namespace, which"
            + " vm.unprivileged_userfaultfd=0 forbids (sysctl vm.unprivileged_userfaultfd=1 on"
            + " both hosts allows it)");
  }

  /** Why post-copy cannot work on this host, or empty when it can. */
  public static Optional<String> missing() {
    long max = pipeMaxSize();
    if (max >= PAGE_SERVER_PIPE || hasCapability(CAP_SYS_RESOURCE)) {
      return Optional.empty();
    }
    return Optional.of(
        "criu's page server needs a "
            + PAGE_SERVER_PIPE
            + "-byte pipe, over fs.pipe-max-size ("
            + max
            + ") without CAP_SYS_RESOURCE (sysctl fs.pipe-max-size=4194304 allows it)");
  }

  /** Whether userfaultfd is open to user namespaces (always, before the sysctl existed). */
  private static boolean unprivilegedUserfaultfd() {
    try {
      return Sysctl.readLong(Path.of("/proc/sys/vm/unprivileged_userfaultfd")) == 1;
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static long pipeMaxSize() {
    try {
      return Sysctl.readLong(Path.of("/proc/sys/fs/pipe-max-size"));
    } catch (IOException e) {
      return 0;
    }
  }

  /** Whether this process holds capability {@code cap} (CapEff in /proc/self/status). */
  private static boolean hasCapability(int cap) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long eff = Long.parseUnsignedLong(line.substring(7).strip(), 16);
          return (eff & (1L << cap)) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }
}
