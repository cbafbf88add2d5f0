package dev.jvs.oci;

import dev.jvs.kernel.Capability;
import java.util.ArrayList;
import java.util.List;

/**
 * The process {@code exec} runs, decided as runc decides it, given the container's own process from
 * its config.json. An exec must never hold more than the container was given: the process plan
 * leaves a process without a capabilities field with everything the host's root has.
 */
public sealed interface ExecProcess {
  OciConfig.Process resolve(OciConfig.Process container);

  /**
   * {@code --process process.json}, taken as is, except that without a capabilities field it gets
   * the container's (runc's libcontainer does the same).
   */
  record Given(OciConfig.Process process) implements ExecProcess {
    @Override
    public OciConfig.Process resolve(OciConfig.Process container) {
      OciConfig.Process p = process;
      if (p.capabilities() != null || container == null || container.capabilities() == null) {
        return p;
      }
      return new OciConfig.Process(
          p.terminal(),
          p.consoleSize(),
          p.user(),
          p.args(),
          p.env(),
          p.cwd(),
          container.capabilities(),
          p.rlimits(),
          p.noNewPrivileges(),
          p.apparmorProfile(),
          p.oomScoreAdj(),
          p.selinuxLabel());
    }
  }

  /**
   * {@code exec ID CMD…}: the container's process (user, capabilities, rlimits, noNewPrivileges,
   * oomScoreAdj, …) with only what the flags name changed, as runc's exec flags do. Null or empty
   * for a flag not given; {@code user} is runc's {@code UID[:GID]}.
   */
  record Inherited(
      List<String> args,
      String cwd,
      List<String> env,
      String user,
      List<Long> additionalGids,
      List<String> addCaps,
      boolean noNewPrivileges,
      boolean terminal)
      implements ExecProcess {
    @Override
    public OciConfig.Process resolve(OciConfig.Process c) {
      if (c == null) {
        throw new OciException("the container's config.json has no process to inherit");
      }
      return new OciConfig.Process(
          terminal,
          c.consoleSize(),
          ids(c.user()),
          args,
          concat(c.env(), env),
          cwd != null ? cwd : c.cwd(),
          capabilities(c.capabilities()),
          c.rlimits(),
          noNewPrivileges ? Boolean.TRUE : c.noNewPrivileges(),
          c.apparmorProfile(),
          c.oomScoreAdj(),
          c.selinuxLabel());
    }

    private OciConfig.User ids(OciConfig.User u) {
      Long uid = u == null ? null : u.uid();
      Long gid = u == null ? null : u.gid();
      if (user != null) {
        String[] ids = user.split(":", 2);
        uid = id(ids[0]);
        gid = ids.length > 1 ? id(ids[1]) : gid;
      }
      return new OciConfig.User(
          uid,
          gid,
          u == null ? null : u.umask(),
          concat(u == null ? null : u.additionalGids(), additionalGids),
          u == null ? null : u.username());
    }

    private static Long id(String text) {
      try {
        return Long.parseUnsignedLong(text);
      } catch (NumberFormatException e) {
        throw new OciException("invalid --user " + text + ": want UID[:GID]");
      }
    }

    /**
     * runc 1.1's --cap: into bounding, effective and permitted; into ambient only where the
     * container's inheritable set has it (elsewhere the kernel refuses the raise anyway), never
     * into inheritable (CVE-2022-29162). A container without capabilities keeps all of them.
     */
    private OciConfig.Capabilities capabilities(OciConfig.Capabilities c) {
      if (c == null || addCaps == null || addCaps.isEmpty()) {
        return c;
      }
      List<Capability> inheritable =
          c.inheritable() == null
              ? List.of()
              : c.inheritable().stream().map(Inherited::capability).toList();
      List<String> ambient =
          addCaps.stream().filter(n -> inheritable.contains(capability(n))).toList();
      return new OciConfig.Capabilities(
          concat(c.bounding(), addCaps),
          concat(c.effective(), addCaps),
          c.inheritable(),
          concat(c.permitted(), addCaps),
          concat(c.ambient(), ambient));
    }

    private static Capability capability(String name) {
      try {
        return Capability.parse(name);
      } catch (IllegalArgumentException e) {
        throw new OciException("unknown capability \"" + name + "\"");
      }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
      if (b == null || b.isEmpty()) {
        return a;
      }
      List<T> all = new ArrayList<>(a == null ? List.of() : a);
      all.addAll(b);
      return all;
    }
  }
}
