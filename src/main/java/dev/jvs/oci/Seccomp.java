package dev.jvs.oci;

import dev.jvs.kernel.seccomp.Arch;
import dev.jvs.kernel.seccomp.ArgCondition;
import dev.jvs.kernel.seccomp.ArgOp;
import dev.jvs.kernel.seccomp.FilterFlag;
import dev.jvs.kernel.seccomp.SeccompAction;
import dev.jvs.kernel.seccomp.SeccompCompiler;
import dev.jvs.kernel.seccomp.SeccompProfile;
import dev.jvs.kernel.seccomp.SyscallRule;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** linux.seccomp → SeccompProfile → BPF, by the mapping in docs/seccomp.md. */
final class Seccomp {
  record Filter(long flags, byte[] bytes) {}

  private Seccomp() {}

  static Filter compile(OciConfig.Seccomp s) {
    if (s == null) {
      return null;
    }
    if (s.listenerPath() != null && !s.listenerPath().isEmpty()) {
      throw new OciException("seccomp listenerPath is not supported by jvs");
    }
    try {
      if (s.defaultAction() == null) {
        throw new IllegalArgumentException("seccomp defaultAction is required");
      }
      Set<Arch> archs = new LinkedHashSet<>();
      for (String a : s.architectures() == null ? List.<String>of() : s.architectures()) {
        archs.add(Arch.fromOci(a));
      }
      if (archs.isEmpty()) {
        archs.add(Arch.X86_64);
      }
      Set<FilterFlag> flags = new LinkedHashSet<>();
      for (String f : s.flags() == null ? List.<String>of() : s.flags()) {
        flags.add(FilterFlag.fromOci(f));
      }
      List<SyscallRule> rules = new ArrayList<>();
      for (OciConfig.SeccompSyscall sc :
          s.syscalls() == null ? List.<OciConfig.SeccompSyscall>of() : s.syscalls()) {
        List<ArgCondition> args = new ArrayList<>();
        for (OciConfig.SeccompArg a :
            sc.args() == null ? List.<OciConfig.SeccompArg>of() : sc.args()) {
          args.add(
              new ArgCondition(
                  a.index() == null ? 0 : a.index(),
                  ArgOp.fromOci(a.op()),
                  a.value() == null ? 0 : a.value(),
                  a.valueTwo() == null ? 0 : a.valueTwo()));
        }
        rules.add(
            new SyscallRule(sc.names(), SeccompAction.fromOci(sc.action(), sc.errnoRet()), args));
      }
      SeccompProfile profile =
          new SeccompProfile(
              SeccompAction.fromOci(s.defaultAction(), s.defaultErrnoRet()),
              archs,
              flags,
              rules,
              true);
      return new Filter(profile.filterFlags(), SeccompCompiler.compile(profile));
    } catch (IllegalArgumentException e) {
      throw new OciException("seccomp: " + e.getMessage(), e);
    }
  }
}
