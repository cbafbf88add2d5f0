package dev.jvs.oci;

import dev.jvs.kernel.Capability;
import dev.jvs.launch.LaunchProgram;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tail of a launch program every OCI process shares, container init and exec alike: rlimits,
 * umask, capabilities, ids, seccomp, cwd, environment and the exec. Order follows the kernel's
 * rules: bounding set first, ids with keep-caps, capset after setuid, and the seccomp filter as
 * late as the no_new_privs setting allows.
 */
final class ProcessPlan {
  private static final Map<String, Integer> RLIMITS = rlimits();

  private ProcessPlan() {}

  static void validate(OciConfig.Process p) {
    if (p == null) {
      throw new OciException("process is required");
    }
    if (p.args() == null || p.args().isEmpty()) {
      throw new OciException("args must not be empty");
    }
    if (p.cwd() == null || !p.cwd().startsWith("/")) {
      throw new OciException("cwd property must not be empty and must be an absolute path");
    }
    if (p.apparmorProfile() != null && !p.apparmorProfile().isEmpty()) {
      throw new OciException("apparmorProfile is not supported by jvs");
    }
    if (p.selinuxLabel() != null && !p.selinuxLabel().isEmpty()) {
      throw new OciException("selinuxLabel is not supported by jvs");
    }
    if (p.user() != null && p.user().username() != null && !p.user().username().isEmpty()) {
      throw new OciException("user.username is a Windows field; use uid and gid");
    }
    if (p.rlimits() != null) {
      for (OciConfig.Rlimit r : p.rlimits()) {
        if (!RLIMITS.containsKey(r.type())) {
          throw new OciException("invalid rlimit type " + r.type());
        }
      }
    }
    masks(p.capabilities());
  }

  /** Appends the process part; {@code seccomp} is the compiled filter or null. */
  static void append(
      LaunchProgram.Builder b, OciConfig.Process p, Seccomp.Filter seccomp, boolean userNs) {
    append(b, p, seccomp, userNs, true);
  }

  /**
   * As above; {@code rlimits} false when the caller set them earlier (container init sets them
   * before waiting for start, so a limit the host refuses fails `create`, as with runc).
   */
  static void append(LaunchProgram.Builder b, OciConfig.Process p, Seccomp.Filter seccomp,
      boolean userNs, boolean rlimits) {
    if (rlimits) {
      rlimits(b, p);
    }
    OciConfig.User user = p.user();
    long uid = user == null || user.uid() == null ? 0 : user.uid();
    long gid = user == null || user.gid() == null ? 0 : user.gid();
    b.umask(user == null || user.umask() == null ? 0022 : user.umask());
    b.chdir(p.cwd());
    long[] caps = p.capabilities() == null ? null : masks(p.capabilities());
    if (caps != null) {
      b.capBounding(caps[0]);
    }
    boolean nnp = Boolean.TRUE.equals(p.noNewPrivileges());
    if (nnp) {
      b.noNewPrivs();
    }
    if (seccomp != null && !nnp) {
      b.seccomp(seccomp.flags(), seccomp.bytes()); // still root with CAP_SYS_ADMIN
    }
    if (caps != null) {
      b.keepCaps();
    }
    List<Long> groups = user == null || user.additionalGids() == null ? List.of() : user.additionalGids();
    if (!userNs || !groups.isEmpty()) {
      b.setgroups(groups);
    }
    b.setgid(gid);
    b.setuid(uid);
    if (caps != null) {
      b.capset(caps[1], caps[2], caps[3]);
      if (caps[4] != 0) {
        b.capAmbient(caps[4]);
      }
    }
    if (seccomp != null && nnp) {
      b.seccomp(seccomp.flags(), seccomp.bytes());
    }
    b.env(environment(p.env()));
    b.exec(p.args());
  }

  static void rlimits(LaunchProgram.Builder b, OciConfig.Process p) {
    if (p.rlimits() != null) {
      for (OciConfig.Rlimit r : p.rlimits()) {
        b.rlimit(RLIMITS.get(r.type()), orZero(r.soft()), orZero(r.hard()));
      }
    }
  }

  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /**
   * The process's environment; without a PATH it gets the conventional one (as runc does), or
   * `ctr run --rootfs DIR ID sh`, whose spec has no env at all, could not find sh.
   */
  static Map<String, String> environment(List<String> env) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String e : env == null ? List.<String>of() : env) {
      int eq = e.indexOf('=');
      if (eq <= 0) {
        throw new OciException("invalid environment variable '" + e + "'");
      }
      m.put(e.substring(0, eq), e.substring(eq + 1));
    }
    m.putIfAbsent("PATH", DEFAULT_PATH);
    return m;
  }

  /**
   * bounding, effective, permitted, inheritable, ambient; the ambient set only with what the
   * kernel lets us raise (see {@link #unraisableAmbient}).
   */
  private static long[] masks(OciConfig.Capabilities c) {
    if (c == null) {
      return null;
    }
    long host = Capability.hostBoundingMask();
    long[] m = {
      mask(c.bounding(), host), mask(c.effective(), host), mask(c.permitted(), host),
      mask(c.inheritable(), host), mask(c.ambient(), host)
    };
    m[4] &= m[2] & m[3];
    return m;
  }

  /**
   * The ambient capabilities {@code p} lists that are not both permitted and inheritable:
   * PR_CAP_AMBIENT_RAISE refuses them (EPERM), so they are dropped, as runc does, rather than
   * failing the process. `runc spec` lists ambient capabilities but no inheritable set.
   */
  static List<String> unraisableAmbient(OciConfig.Process p) {
    OciConfig.Capabilities c = p == null ? null : p.capabilities();
    if (c == null || c.ambient() == null) {
      return List.of();
    }
    long host = Capability.hostBoundingMask();
    long raisable = mask(c.permitted(), host) & mask(c.inheritable(), host);
    return c.ambient().stream()
        .filter(n -> (mask(List.of(n), host) & ~raisable) != 0)
        .toList();
  }

  private static long mask(List<String> names, long host) {
    long m = 0;
    for (String n : names == null ? List.<String>of() : names) {
      Capability cap;
      try {
        cap = Capability.parse(n);
      } catch (IllegalArgumentException e) {
        throw new OciException("unknown capability \"" + n + "\"");
      }
      if ((host >> cap.number() & 1) == 0) {
        throw new OciException(
            "capability " + n + " is not available on this host (not in its bounding set)");
      }
      m |= 1L << cap.number();
    }
    return m;
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  private static Map<String, Integer> rlimits() {
    String[] names = {
      "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS",
      "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"
    };
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put("RLIMIT_" + names[i], i);
    }
    return Map.copyOf(m);
  }
}
