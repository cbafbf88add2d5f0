package dev.jvs.kernel.seccomp;

import java.util.ArrayList;
import java.util.List;

/**
 * One OCI {@code syscalls} entry: the named calls get {@code action} when every argument condition
 * holds (no conditions: always).
 */
public record SyscallRule(List<String> names, SeccompAction action, List<ArgCondition> args) {
  public SyscallRule {
    names = List.copyOf(names);
    args = List.copyOf(args);
    if (names.isEmpty()) {
      throw new IllegalArgumentException("seccomp rule without syscall names");
    }
    if (action == null) {
      throw new IllegalArgumentException("seccomp rule for " + names + " without an action");
    }
  }

  public static SyscallRule of(SeccompAction action, String... names) {
    return new SyscallRule(List.of(names), action, List.of());
  }

  public static SyscallRule allow(String... names) {
    return of(SeccompAction.ALLOW, names);
  }

  /** The same rule, applying only when {@code conditions} all hold (in addition to any others). */
  public SyscallRule when(ArgCondition... conditions) {
    List<ArgCondition> all = new ArrayList<>(args);
    all.addAll(List.of(conditions));
    return new SyscallRule(names, action, all);
  }
}
