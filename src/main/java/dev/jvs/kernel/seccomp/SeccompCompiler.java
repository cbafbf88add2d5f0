package dev.jvs.kernel.seccomp;

import dev.jvs.kernel.seccomp.BpfAssembler.Label;
import dev.jvs.kernel.seccomp.RangeDispatch.Range;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compiles a {@link SeccompProfile} into the classic BPF program seccomp(2) loads.
 *
 * <p>Shape of the program:
 *
 * <ol>
 *   <li>seccomp_data.arch must be AUDIT_ARCH_X86_64, else KILL_PROCESS: i386 calls (int 0x80) use
 *       another numbering that the rules do not describe, so they are refused outright.
 *   <li>nr &gt;= 0x40000000 (the x32 ABI) is KILL_PROCESS too, except nr == -1 (what a tracer sets
 *       to skip a call), which gets the default action.
 *   <li>A binary search over ranges of nr leads to a shared RET per action, or to a block that
 *       tests argument conditions.
 *   <li>When the default action is ERRNO, numbers above the syscall table (calls newer than jvs
 *       knows) return ENOSYS instead, so a libc probing a new call falls back as on an older kernel
 *       rather than failing on EPERM (what runc does too).
 * </ol>
 */
public final class SeccompCompiler {
  private static final int ENOSYS = 38;
  private static final int SKIPPED_NR = -1;

  private SeccompCompiler() {}

  /** The {@code struct sock_filter} array for {@code profile} on x86_64. */
  public static byte[] compile(SeccompProfile profile) {
    return program(profile).toBytes();
  }

  public static BpfProgram program(SeccompProfile profile) {
    return program(profile, SyscallTable.x86_64());
  }

  public static BpfProgram program(SeccompProfile profile, SyscallTable table) {
    if (!profile.architectures().isEmpty() && !profile.architectures().contains(Arch.X86_64)) {
      throw new IllegalArgumentException(
          "seccomp profile for " + profile.architectures() + ": jvs filters x86_64 only");
    }
    Map<Integer, Outcome> byNumber = resolve(profile, table);
    return new Emitter(profile.defaultAction()).emit(ranges(profile, table, byNumber));
  }

  /** The branches a call goes through: argument conditions (all must hold) and the action. */
  private record Branch(List<ArgCondition> conditions, SeccompAction action) {}

  /** What happens to one syscall number: a fixed action, or branches tried in order. */
  private sealed interface Outcome {}

  private record Fixed(SeccompAction action) implements Outcome {}

  private record Conditional(List<Branch> branches) implements Outcome {}

  private static Map<Integer, Outcome> resolve(SeccompProfile profile, SyscallTable table) {
    Map<Integer, List<Branch>> branches = new TreeMap<>();
    for (SyscallRule rule : profile.syscalls()) {
      for (String name : rule.names()) {
        if (profile.skipUnknownSyscalls() && table.number(name).isEmpty()) {
          continue;
        }
        branches
            .computeIfAbsent(table.require(name), k -> new ArrayList<>())
            .add(new Branch(rule.args(), rule.action()));
      }
    }
    Map<Integer, Outcome> outcomes = new TreeMap<>();
    branches.forEach((nr, list) -> outcomes.put(nr, outcome(list, profile.defaultAction())));
    return outcomes;
  }

  /** Most restrictive first; nothing after the first unconditional branch can be reached. */
  private static Outcome outcome(List<Branch> branches, SeccompAction defaultAction) {
    List<Branch> sorted = new ArrayList<>(branches);
    sorted.sort(Comparator.comparingInt((Branch b) -> b.action().precedence()).reversed());
    List<Branch> reachable = new ArrayList<>();
    for (Branch b : sorted) {
      reachable.add(b);
      if (b.conditions().isEmpty()) {
        break;
      }
    }
    // Trailing conditional branches whose action is the default change nothing.
    while (!reachable.isEmpty()
        && !reachable.getLast().conditions().isEmpty()
        && reachable.getLast().action().equals(defaultAction)) {
      reachable.removeLast();
    }
    if (reachable.isEmpty()) {
      return new Fixed(defaultAction);
    }
    if (reachable.size() == 1 && reachable.getFirst().conditions().isEmpty()) {
      return new Fixed(reachable.getFirst().action());
    }
    return new Conditional(List.copyOf(reachable));
  }

  /** Start of each run of numbers with the same outcome, covering 0..X32 bit. */
  private static List<Map.Entry<Integer, Outcome>> ranges(
      SeccompProfile profile, SyscallTable table, Map<Integer, Outcome> byNumber) {
    Outcome fallback = new Fixed(profile.defaultAction());
    Map<Integer, Outcome> starts = new TreeMap<>();
    starts.put(0, fallback);
    byNumber.forEach(
        (nr, outcome) -> {
          starts.put(nr, outcome);
          starts.putIfAbsent(nr + 1, fallback);
        });
    if (profile.defaultAction() instanceof SeccompAction.Errno) {
      starts.put(table.maxNumber() + 1, new Fixed(SeccompAction.errno(ENOSYS)));
    }
    List<Map.Entry<Integer, Outcome>> merged = new ArrayList<>();
    starts.forEach(
        (start, outcome) -> {
          if (merged.isEmpty() || !merged.getLast().getValue().equals(outcome)) {
            merged.add(Map.entry(start, outcome));
          }
        });
    return merged;
  }

  /** Lays out one program; holds the labels of shared RETs and conditional blocks. */
  private static final class Emitter {
    private final BpfAssembler asm = new BpfAssembler();
    private final SeccompAction defaultAction;
    private final Map<Outcome, Label> labels = new LinkedHashMap<>();

    Emitter(SeccompAction defaultAction) {
      this.defaultAction = defaultAction;
    }

    BpfProgram emit(List<Map.Entry<Integer, Outcome>> ranges) {
      Label kill = label(new Fixed(SeccompAction.KILL_PROCESS));
      Label fallback = label(new Fixed(defaultAction));
      Label high = asm.newLabel();

      asm.load(SeccompData.ARCH)
          .jump(BpfOpcodes.JEQ, Arch.X86_64.auditArch(), BpfAssembler.NEXT, kill);
      asm.load(SeccompData.NR).jump(BpfOpcodes.JGE, Arch.X32_SYSCALL_BIT, high, BpfAssembler.NEXT);
      RangeDispatch.emit(
          asm, ranges.stream().map(e -> new Range(e.getKey(), label(e.getValue()))).toList());
      asm.bind(high).jump(BpfOpcodes.JEQ, SKIPPED_NR, fallback, kill);

      // Shared RETs first: they sit right after the search tree, within short-jump reach.
      labels.forEach(
          (outcome, label) -> {
            if (outcome instanceof Fixed(SeccompAction action)) {
              asm.bind(label).ret(action.returnValue());
            }
          });
      labels.forEach(
          (outcome, label) -> {
            if (outcome instanceof Conditional(List<Branch> branches)) {
              asm.bind(label);
              emitBranches(branches);
            }
          });
      return asm.assemble();
    }

    private Label label(Outcome outcome) {
      return labels.computeIfAbsent(outcome, o -> asm.newLabel());
    }

    private void emitBranches(List<Branch> branches) {
      for (Branch branch : branches) {
        Label next = asm.newLabel();
        branch.conditions().forEach(c -> ArgConditionCode.emit(asm, c, next));
        asm.ret(branch.action().returnValue());
        if (branch.conditions().isEmpty()) {
          return; // the rest is unreachable; outcome() already cut it
        }
        asm.bind(next);
      }
      asm.ret(defaultAction.returnValue());
    }
  }
}
