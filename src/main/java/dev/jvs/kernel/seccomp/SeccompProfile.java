package dev.jvs.kernel.seccomp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A seccomp policy shaped like the OCI runtime-spec {@code linux.seccomp} object, so an OCI
 * config.json maps onto it field by field: {@code defaultAction}(+{@code defaultErrnoRet}), {@code
 * architectures}, {@code flags} and {@code syscalls}.
 *
 * <p>When several rules name the same call, the most restrictive action among the rules whose
 * conditions hold wins (kill, trap, errno, log, allow: the kernel's order for stacked filters), so
 * the result does not depend on rule order. Calls named by no rule get {@code defaultAction}.
 *
 * @param architectures OCI architectures; empty means the native one (x86_64)
 * @param skipUnknownSyscalls ignore names missing from the syscall table, as OCI runtimes do for
 *     profiles written for other kernels; when false an unknown name is an error
 */
public record SeccompProfile(
    SeccompAction defaultAction,
    Set<Arch> architectures,
    Set<FilterFlag> flags,
    List<SyscallRule> syscalls,
    boolean skipUnknownSyscalls) {

  public SeccompProfile {
    if (defaultAction == null) {
      throw new IllegalArgumentException("seccomp profile without a default action");
    }
    architectures = Set.copyOf(architectures);
    flags = Set.copyOf(flags);
    syscalls = List.copyOf(syscalls);
  }

  /** An x86_64 profile without flags that rejects unknown syscall names. */
  public static SeccompProfile of(SeccompAction defaultAction, List<SyscallRule> syscalls) {
    return new SeccompProfile(defaultAction, Set.of(Arch.X86_64), Set.of(), syscalls, false);
  }

  /** The flags argument for seccomp(SECCOMP_SET_MODE_FILTER, flags, prog). */
  public int filterFlags() {
    return flags.stream().mapToInt(FilterFlag::bit).reduce(0, (a, b) -> a | b);
  }

  /** This profile plus {@code rules} (e.g. to widen the default profile for one guest). */
  public SeccompProfile withRules(SyscallRule... rules) {
    List<SyscallRule> all = new ArrayList<>(syscalls);
    all.addAll(List.of(rules));
    return new SeccompProfile(defaultAction, architectures, flags, all, skipUnknownSyscalls);
  }

  /** This profile with every rule for {@code names} removed, so they get the default action. */
  public SeccompProfile withoutSyscalls(String... names) {
    List<String> drop = Arrays.asList(names);
    List<SyscallRule> kept = new ArrayList<>();
    for (SyscallRule rule : syscalls) {
      List<String> left = rule.names().stream().filter(n -> !drop.contains(n)).toList();
      if (!left.isEmpty()) {
        kept.add(new SyscallRule(left, rule.action(), rule.args()));
      }
    }
    return new SeccompProfile(defaultAction, architectures, flags, kept, skipUnknownSyscalls);
  }

  public SeccompProfile withSkipUnknownSyscalls(boolean skip) {
    return new SeccompProfile(defaultAction, architectures, flags, syscalls, skip);
  }

  public SeccompProfile withFlags(Set<FilterFlag> newFlags) {
    return new SeccompProfile(
        defaultAction, architectures, newFlags, syscalls, skipUnknownSyscalls);
  }

  /** Names in the rules that {@code table} does not know (what compiling skips or rejects). */
  public List<String> unknownSyscalls(SyscallTable table) {
    return syscalls.stream()
        .flatMap(r -> r.names().stream())
        .filter(n -> table.number(n).isEmpty())
        .distinct()
        .toList();
  }
}
