package dev.jvs.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process a plan runs (a guest's init or command, a container's process, an exec).
 *
 * @param args argv, argv[0] included; searched in env's PATH when it has no '/'
 * @param env the whole environment, in order
 * @param cwd its working directory, an absolute path in the root (made when missing)
 * @param user the ids it runs as
 * @param caps its capability sets, or null to keep those it has (full root's)
 * @param noNewPrivileges prctl(PR_SET_NO_NEW_PRIVS)
 * @param seccomp its seccomp filter, or null
 * @param rlimits its resource limits
 * @param oomScoreAdj its oom_score_adj, or null
 */
public record ProcessSpec(
    List<String> args,
    Map<String, String> env,
    String cwd,
    User user,
    Caps caps,
    boolean noNewPrivileges,
    Seccomp seccomp,
    List<Rlimit> rlimits,
    Integer oomScoreAdj) {

  public ProcessSpec {
    args = List.copyOf(args);
    env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    rlimits = List.copyOf(rlimits);
  }

  /** The same process running {@code argv} in {@code dir} with {@code env}. */
  public ProcessSpec running(List<String> argv, String dir, Map<String, String> environment) {
    return new ProcessSpec(
        argv, environment, dir, user, caps, noNewPrivileges, seccomp, rlimits, oomScoreAdj);
  }

  /** uid, gid, supplementary groups and umask. */
  public record User(long uid, long gid, List<Long> groups, int umask) {
    public static final User ROOT = new User(0, 0, List.of(), 0022);

    public User {
      groups = List.copyOf(groups);
    }
  }

  /** The five capability sets as masks of capability numbers. */
  public record Caps(
      long bounding, long effective, long permitted, long inheritable, long ambient) {
    /** One set as bounding, effective and permitted; nothing inheritable or ambient. */
    public static Caps of(long mask) {
      return new Caps(mask, mask, mask, 0, 0);
    }
  }

  /** A compiled seccomp filter and its seccomp(2) flags. */
  public record Seccomp(long flags, byte[] bytes) {
    public Seccomp {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }
  }

  /**
   * A resource limit by its RLIMIT_ number; -1 is unlimited. {@code afterUser}: set once the
   * process runs as its user, not before as the OCI runtimes do: an RLIMIT_NPROC set before setuid
   * has the kernel check the new user's count against it there and fail the execve (EAGAIN) while
   * that user is over it, even for a moment, as a fork refused at the limit leaves it.
   */
  public record Rlimit(int resource, long soft, long hard, boolean afterUser) {
    public static final int NPROC = 6;
    public static final int NOFILE = 7;
    public static final int MEMLOCK = 8;
    public static final int SIGPENDING = 11;
    public static final int MSGQUEUE = 12;

    public Rlimit(int resource, long soft, long hard) {
      this(resource, soft, hard, false);
    }
  }
}
