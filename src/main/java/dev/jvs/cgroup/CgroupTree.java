package dev.jvs.cgroup;

import dev.jvs.kernel.Errno;
import dev.jvs.kernel.Libc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Operations on a cgroup directory and the child cgroups a guest may have made inside it. */
final class CgroupTree {
  /** A dying task can keep its cgroup busy for a moment after it left cgroup.procs. */
  private static final Duration RMDIR_BUSY_WAIT = Duration.ofSeconds(2);

  private CgroupTree() {}

  /** The pids in cgroup.procs of {@code dir} and all its descendants. */
  static List<Long> pids(CgroupFs fs, Path dir) {
    List<Long> pids = new ArrayList<>();
    collect(fs, dir, pids);
    return pids;
  }

  private static void collect(CgroupFs fs, Path dir, List<Long> pids) {
    fs.readIfExists(dir.resolve("cgroup.procs"))
        .ifPresent(
            text ->
                text.lines()
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .forEach(s -> pids.add(Long.parseLong(s))));
    for (Path child : fs.subdirs(dir)) {
      collect(fs, child, pids);
    }
  }

  /** Removes {@code dir} and its descendants, deepest first; a missing directory is fine. */
  static void remove(CgroupFs fs, Path dir) {
    for (Path child : fs.subdirs(dir)) {
      remove(fs, child);
    }
    int[] errno = {fs.rmdir(dir)};
    if (errno[0] == Errno.EBUSY) {
      Polling.await(() -> (errno[0] = fs.rmdir(dir)) != Errno.EBUSY, RMDIR_BUSY_WAIT);
    }
    if (errno[0] != 0 && errno[0] != Errno.ENOENT) {
      throw new CgroupException(
          "rmdir " + dir + ": " + Libc.strerror(errno[0]), dir.toString(), errno[0]);
    }
  }

  /** rmdir of a shared parent that may be in use right now: only "gone" or "busy" is expected. */
  static void removeIfUnused(CgroupFs fs, Path dir) {
    if (fs.hasSubdirs(dir)) { // one stat on the kernel's fs: not a listing of every guest
      return;
    }
    int errno = fs.rmdir(dir);
    if (errno != 0
        && errno != Errno.ENOENT
        && errno != Errno.EBUSY
        && errno != Errno.ENOTEMPTY
        && errno != Errno.EEXIST) {
      throw new CgroupException(
          "rmdir " + dir + ": " + Libc.strerror(errno), dir.toString(), errno);
    }
  }

  /** Sends SIGKILL; a process already gone is what we wanted. */
  static void sigkill(long pid) {
    Libc.Result r = Libc.kill((int) pid, 9);
    if (r.failed() && r.errno() != Errno.ESRCH) {
      throw new CgroupException(
          "kill " + pid + ": " + Libc.strerror(r.errno()), "pid " + pid, r.errno());
    }
  }

  /**
   * Runs {@code create} again when a directory vanished under it (ENOENT): a concurrent
   * removeParentIfEmpty may rmdir the shared parent between our mkdir of it and of the guest.
   */
  static void retryIfParentVanishes(Runnable create) {
    for (int attempt = 1; ; attempt++) {
      try {
        create.run();
        return;
      } catch (CgroupException e) {
        if (e.errno() != Errno.ENOENT || attempt == 3) {
          throw e;
        }
      }
    }
  }

  /** mkdir of {@code root/relative}, one component at a time; returns the leaf. */
  static Path mkdirs(CgroupFs fs, Path root, String relative) {
    Path dir = root;
    for (String c : relative.split("/")) {
      dir = dir.resolve(c);
      fs.mkdir(dir);
    }
    return dir;
  }
}
