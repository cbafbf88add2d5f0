package dev.jvs.guest;

import dev.jvs.kernel.ProcessRlimit;
import dev.jvs.runtime.ProcessSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An unprivileged guest's pids.max as its processes' soft RLIMIT_NPROC too. The pids controller
 * refuses a fork late in copy_process, after the task, its page tables and its files were copied;
 * RLIMIT_NPROC refuses it right after the task struct was, so a fork bomb pressing on its limit
 * costs the other guests far less (docs/resources.md, "An unprivileged guest's pids.max is its
 * RLIMIT_NPROC too").
 *
 * <p>Only in a user namespace of the guest's own: there the kernel counts each user's processes in
 * that namespace alone, never above what pids.max allows. A privileged guest's root is host root,
 * whom the kernel never holds to RLIMIT_NPROC, and its other users would count with the host's. The
 * hard limit stays the one jvs has: a guest may lower its soft limit or raise it back, which only
 * gives up the cheaper refusal (pids.max still holds), and a later `jvs set pids.max` can raise it
 * without CAP_SYS_RESOURCE. It is set once the process is guest root, so that `jvs exec` still gets
 * into a guest at its limit ({@link ProcessSpec.Rlimit#afterUser}).
 */
final class ProcessCap {
  /** A raise reaches processes forked meanwhile from ones not yet raised on a later pass. */
  private static final int MAX_PASSES = 5;

  private ProcessCap() {}

  /** The rlimit for a guest with {@code resources}, under jvs's own hard limit {@code hard}. */
  static Optional<ProcessSpec.Rlimit> rlimit(Map<String, String> resources, long hard) {
    String max = resources.get("pids.max");
    if (max == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ProcessSpec.Rlimit(
            ProcessSpec.Rlimit.NPROC, ProcessRlimit.clamp(Long.parseLong(max), hard), hard, true));
  }

  /**
   * A running unprivileged guest's processes ({@code pids}: its host pids, listed anew each pass)
   * get its pids.max from {@code resources} as their soft limit, as a start and an exec give it.
   */
  static void applyLive(Supplier<List<Long>> pids, Map<String, String> resources) {
    String max = resources.get("pids.max");
    long soft = max == null ? ProcessRlimit.UNLIMITED : Long.parseLong(max);
    boolean changed = true;
    for (int pass = 0; pass < MAX_PASSES && changed; pass++) {
      changed = false;
      for (long pid : pids.get()) {
        changed |= ProcessRlimit.setSoft(pid, ProcessSpec.Rlimit.NPROC, soft);
      }
    }
  }
}
