package dev.jvs.oci;

import dev.jvs.kernel.Capability;
import dev.jvs.runtime.ProcessSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json's process, container init and exec alike, as the runtime core's ProcessSpec (rlimits,
 * umask, capabilities, ids, seccomp, cwd, environment), checked as runc checks it.
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
        String type = r == null ? null : r.type(); // a null entry: runc reads it as an empty one
        if (type == null || !RLIMITS.containsKey(type)) {
          throw new OciException("invalid rlimit type " + type);
        }
      }
    }
    masks(p.capabilities());
  }

  /**
   * The process as the runtime core takes it; {@code seccomp} is the compiled filter or null.
   * Without a capabilities field it keeps what it has: all of root's (an exec never gets here
   * without the container's, see {@link ExecProcess}).
   */
  static ProcessSpec spec(OciConfig.Process p, Seccomp.Filter seccomp) {
    OciConfig.User user = p.user();
    long uid = user == null || user.uid() == null ? 0 : user.uid();
    long gid = user == null || user.gid() == null ? 0 : user.gid();
    List<Long> groups =
        user == null || user.additionalGids() == null ? List.of() : user.additionalGids();
    int umask = user == null || user.umask() == null ? 0022 : user.umask().intValue();
    long[] caps = p.capabilities() == null ? null : masks(p.capabilities());
    List<ProcessSpec.Rlimit> rlimits = new ArrayList<>();
    for (OciConfig.Rlimit r : p.rlimits() == null ? List.<OciConfig.Rlimit>of() : p.rlimits()) {
      rlimits.add(
          new ProcessSpec.Rlimit(RLIMITS.get(r.type()), orZero(r.soft()), orZero(r.hard())));
    }
    return new ProcessSpec(
        p.args(),
        environment(p.env()),
        p.cwd(),
        new ProcessSpec.User(uid, gid, groups, umask),
        caps == null ? null : new ProcessSpec.Caps(caps[0], caps[1], caps[2], caps[3], caps[4]),
        Boolean.TRUE.equals(p.noNewPrivileges()),
        seccomp == null ? null : new ProcessSpec.Seccomp(seccomp.flags(), seccomp.bytes()),
        rlimits,
        p.oomScoreAdj());
  }

  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /**
   * The process's environment; without a PATH it gets the conventional one (as runc does), or `ctr
   * run --rootfs DIR ID sh`, whose spec has no env at all, could not find sh.
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
   * bounding, effective, permitted, inheritable, ambient; the ambient set only with what the kernel
   * lets us raise (see {@link #unraisableAmbient}).
   */
  private static long[] masks(OciConfig.Capabilities c) {
    if (c == null) {
      return null;
    }
    long host = Capability.hostBoundingMask();
    long[] m = {
      mask(c.bounding(), host),
      mask(c.effective(), host),
      mask(c.permitted(), host),
      mask(c.inheritable(), host),
      mask(c.ambient(), host)
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
    return c.ambient().stream().filter(n -> (mask(List.of(n), host) & ~raisable) != 0).toList();
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
      "CPU",
      "FSIZE",
      "DATA",
      "STACK",
      "CORE",
      "RSS",
      "NPROC",
      "NOFILE",
      "MEMLOCK",
      "AS",
      "LOCKS",
      "SIGPENDING",
      "MSGQUEUE",
      "NICE",
      "RTPRIO",
      "RTTIME"
    };
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put("RLIMIT_" + names[i], i);
    }
    return Map.copyOf(m);
  }
}
