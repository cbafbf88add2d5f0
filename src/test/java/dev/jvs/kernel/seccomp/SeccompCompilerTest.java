package dev.jvs.kernel.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.kernel.seccomp.BpfInterpreter.Call;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeccompCompilerTest {
  private static final SyscallTable TABLE = SyscallTable.x86_64();
  private static final SeccompAction EPERM = SeccompAction.errno(1);

  private static BpfInterpreter compile(SeccompProfile profile) {
    return BpfInterpreter.load(SeccompCompiler.compile(profile));
  }

  private static SeccompAction verdict(BpfInterpreter bpf, String syscall, long... args) {
    return bpf.verdict(Call.x86_64(TABLE.require(syscall), args));
  }

  @Test
  void allowsListedCallsAndAppliesTheDefaultToOthers() {
    BpfInterpreter bpf =
        compile(SeccompProfile.of(EPERM, List.of(SyscallRule.allow("read", "write", "getpid"))));
    assertThat(verdict(bpf, "read")).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "write")).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "getpid")).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "open")).isEqualTo(EPERM);
    assertThat(verdict(bpf, "mount")).isEqualTo(EPERM);
  }

  @Test
  void killsOtherArchitecturesAndX32() {
    BpfInterpreter bpf = compile(SeccompProfile.of(SeccompAction.ALLOW, List.of()));
    assertThat(bpf.verdict(Call.x86_64(0))).isEqualTo(SeccompAction.ALLOW);
    // i386 read (3) and an unknown arch.
    assertThat(bpf.verdict(new Call(3, Arch.X86.auditArch(), 0)))
        .isEqualTo(SeccompAction.KILL_PROCESS);
    assertThat(bpf.verdict(new Call(0, 0x40000028, 0))).isEqualTo(SeccompAction.KILL_PROCESS);
    // x32 read: nr 0 | __X32_SYSCALL_BIT, and the x32-only numbers 512.. too.
    assertThat(bpf.verdict(Call.x86_64(0x40000000))).isEqualTo(SeccompAction.KILL_PROCESS);
    assertThat(bpf.verdict(Call.x86_64(0x40000000 + 520))).isEqualTo(SeccompAction.KILL_PROCESS);
    assertThat(bpf.verdict(Call.x86_64(0x7fffffff))).isEqualTo(SeccompAction.KILL_PROCESS);
    // nr -1 is what a tracer leaves to skip a call: default action, not a kill.
    assertThat(bpf.verdict(Call.x86_64(-1))).isEqualTo(SeccompAction.ALLOW);
  }

  @Test
  void callsNewerThanTheTableGetEnosysUnderAnErrnoDefault() {
    BpfInterpreter bpf = compile(SeccompProfile.of(EPERM, List.of(SyscallRule.allow("read"))));
    assertThat(bpf.verdict(Call.x86_64(TABLE.maxNumber()))).isEqualTo(EPERM);
    assertThat(bpf.verdict(Call.x86_64(TABLE.maxNumber() + 1))).isEqualTo(SeccompAction.errno(38));
    assertThat(bpf.verdict(Call.x86_64(0x3fffffff))).isEqualTo(SeccompAction.errno(38));

    BpfInterpreter kill = compile(SeccompProfile.of(SeccompAction.KILL_THREAD, List.of()));
    assertThat(kill.verdict(Call.x86_64(TABLE.maxNumber() + 1)))
        .isEqualTo(SeccompAction.KILL_THREAD);
  }

  @Test
  void unknownSyscallNamesAreAnErrorNamingTheCallUnlessSkipped() {
    SeccompProfile profile =
        SeccompProfile.of(EPERM, List.of(SyscallRule.allow("read", "frobnicate", "mmap2")));
    assertThatThrownBy(() -> SeccompCompiler.compile(profile))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'frobnicate'");
    assertThat(profile.unknownSyscalls(TABLE)).containsExactly("frobnicate", "mmap2");

    BpfInterpreter bpf = compile(profile.withSkipUnknownSyscalls(true));
    assertThat(verdict(bpf, "read")).isEqualTo(SeccompAction.ALLOW);
  }

  @Test
  void rejectsProfilesWithoutX86_64() {
    SeccompProfile i386Only =
        new SeccompProfile(EPERM, Set.of(Arch.X86), Set.of(), List.of(), false);
    assertThatThrownBy(() -> SeccompCompiler.compile(i386Only)).hasMessageContaining("x86_64 only");
    // What Docker's default lists (x86_64 with its sub-architectures) compiles.
    SeccompProfile docker =
        new SeccompProfile(
            EPERM, Set.of(Arch.X86_64, Arch.X86, Arch.X32), Set.of(), List.of(), false);
    assertThat(SeccompCompiler.program(docker).size()).isPositive();
  }

  @Test
  void mostRestrictiveMatchingRuleWinsWhateverTheOrder() {
    SyscallRule allowSocket = SyscallRule.allow("socket");
    SyscallRule denyVsock =
        SyscallRule.of(SeccompAction.errno(97), "socket").when(ArgCondition.eq(0, 40));
    SyscallRule trapRaw = SyscallRule.of(SeccompAction.TRAP, "socket").when(ArgCondition.eq(1, 3));
    for (List<SyscallRule> rules :
        List.of(
            List.of(allowSocket, denyVsock, trapRaw),
            List.of(trapRaw, denyVsock, allowSocket),
            List.of(denyVsock, allowSocket, trapRaw))) {
      BpfInterpreter bpf = compile(SeccompProfile.of(EPERM, rules));
      assertThat(verdict(bpf, "socket", 1, 1)).isEqualTo(SeccompAction.ALLOW);
      assertThat(verdict(bpf, "socket", 40, 1)).isEqualTo(SeccompAction.errno(97));
      assertThat(verdict(bpf, "socket", 40, 3)).isEqualTo(SeccompAction.TRAP);
      assertThat(verdict(bpf, "socket", 2, 3)).isEqualTo(SeccompAction.TRAP);
    }
  }

  @Test
  void conditionalRulesFallBackToTheDefault() {
    SeccompProfile profile =
        SeccompProfile.of(
            EPERM,
            List.of(
                SyscallRule.allow("personality").when(ArgCondition.eq(0, 0)),
                SyscallRule.allow("personality").when(ArgCondition.eq(0, 8)),
                SyscallRule.allow("kill").when(ArgCondition.ne(1, 9), ArgCondition.ne(1, 19))));
    BpfInterpreter bpf = compile(profile);
    assertThat(verdict(bpf, "personality", 0)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "personality", 8)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "personality", 0x40000)).isEqualTo(EPERM);
    assertThat(verdict(bpf, "kill", 1, 15)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "kill", 1, 9)).isEqualTo(EPERM);
    assertThat(verdict(bpf, "kill", 1, 19)).isEqualTo(EPERM);
  }

  /**
   * Every operator against values around the 32-bit boundaries: the compiled filter must agree with
   * {@link ArgCondition#test} for all of them, on every argument index.
   */
  @Test
  void sixtyFourBitComparisonsAgreeWithTheReference() {
    long[] interesting = {
      0,
      1,
      2,
      0x7fffffffL,
      0x80000000L,
      0xfffffffeL,
      0xffffffffL,
      0x100000000L,
      0x100000001L,
      0x1ffffffffL,
      0x200000000L,
      0x7fffffff00000000L,
      0x8000000000000000L,
      -2,
      -1,
      0xdeadbeef00000001L,
      0x00000001deadbeefL
    };
    Random random = new Random(42);
    List<Long> values = new ArrayList<>();
    for (long v : interesting) {
      values.add(v);
    }
    for (int i = 0; i < 8; i++) {
      values.add(random.nextLong());
    }
    for (ArgOp op : ArgOp.values()) {
      for (long value : values) {
        long valueTwo = op == ArgOp.MASKED_EQ ? value & random.nextLong() : 0;
        int index = random.nextInt(6);
        ArgCondition condition = new ArgCondition(index, op, value, valueTwo);
        BpfInterpreter bpf =
            compile(SeccompProfile.of(EPERM, List.of(SyscallRule.allow("ioctl").when(condition))));
        for (long arg : values) {
          for (long probe : new long[] {arg, arg + 1, arg - 1, arg ^ 0x100000000L}) {
            long[] args = new long[6];
            args[index] = probe;
            args[(index + 1) % 6] = ~probe; // other arguments must not matter
            SeccompAction expected = condition.test(probe) ? SeccompAction.ALLOW : EPERM;
            assertThat(verdict(bpf, "ioctl", args))
                .as("%s arg=0x%x", condition, probe)
                .isEqualTo(expected);
          }
        }
      }
    }
  }

  @Test
  void maskedEqualityUsesValueAsMaskAndValueTwoAsExpected() {
    // Docker's clone rule: (flags & 0x7E020000) == 0.
    ArgCondition noNamespaces = ArgCondition.maskedEq(0, 0x7E020000L, 0);
    BpfInterpreter bpf =
        compile(SeccompProfile.of(EPERM, List.of(SyscallRule.allow("clone").when(noNamespaces))));
    assertThat(verdict(bpf, "clone", 17)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "clone", 0x003d0f00L)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(bpf, "clone", 0x10000000L | 17)).isEqualTo(EPERM);
    assertThat(verdict(bpf, "clone", 0x0000000100000011L)).isEqualTo(SeccompAction.ALLOW);

    // A mask on the high half only, with an expected value there.
    ArgCondition high = ArgCondition.maskedEq(2, 0xff00000000000000L, 0x4200000000000000L);
    BpfInterpreter hi =
        compile(SeccompProfile.of(EPERM, List.of(SyscallRule.allow("mmap").when(high))));
    assertThat(verdict(hi, "mmap", 0, 0, 0x42ffffffffffffffL)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict(hi, "mmap", 0, 0, 0x43000000000000ffL)).isEqualTo(EPERM);
    // An expected value outside the mask can never match.
    ArgCondition never = ArgCondition.maskedEq(0, 0xf0, 0x01);
    BpfInterpreter none =
        compile(SeccompProfile.of(EPERM, List.of(SyscallRule.allow("mmap").when(never))));
    assertThat(verdict(none, "mmap", 0x01)).isEqualTo(EPERM);
    assertThat(verdict(none, "mmap", 0xf1)).isEqualTo(EPERM);
  }

  /**
   * 330 rules, each with its own action or condition, so nothing merges: the search tree and the
   * blocks behind it span far more than 255 instructions and need long jumps.
   */
  @Test
  void largeProfilesNeedLongJumpsAndStillDecideCorrectly() {
    List<String> names = TABLE.names().stream().sorted().limit(330).toList();
    List<SyscallRule> rules = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (i % 3 == 0) {
        rules.add(SyscallRule.of(SeccompAction.errno(100 + i), name));
      } else {
        rules.add(
            SyscallRule.of(SeccompAction.errno(100 + i), name)
                .when(ArgCondition.of(i % 6, ArgOp.GE, 0x100000000L * i + i)));
      }
    }
    SeccompProfile profile = SeccompProfile.of(SeccompAction.ALLOW, rules);
    BpfProgram program = SeccompCompiler.program(profile);
    assertThat(program.size()).isGreaterThan(1000);
    assertThat(program.insns()).anyMatch(i -> i.code() == (BpfOpcodes.JMP | BpfOpcodes.JA));

    BpfInterpreter bpf = BpfInterpreter.load(program);
    for (int i = 0; i < names.size(); i++) {
      long[] hit = new long[6];
      long[] miss = new long[6];
      hit[i % 6] = 0x100000000L * i + i;
      miss[i % 6] = i == 0 ? 0 : 0x100000000L * i + i - 1;
      SeccompAction mine = SeccompAction.errno(100 + i);
      assertThat(verdict(bpf, names.get(i), hit)).as(names.get(i)).isEqualTo(mine);
      assertThat(verdict(bpf, names.get(i), miss))
          .as(names.get(i))
          .isEqualTo(i % 3 == 0 ? mine : SeccompAction.ALLOW);
    }
    for (String name : TABLE.names()) {
      if (!names.contains(name)) {
        assertThat(verdict(bpf, name)).as(name).isEqualTo(SeccompAction.ALLOW);
      }
    }
  }

  @Test
  void filterFlagsFollowTheProfile() {
    SeccompProfile profile =
        SeccompProfile.of(EPERM, List.of())
            .withFlags(Set.of(FilterFlag.LOG, FilterFlag.SPEC_ALLOW));
    assertThat(profile.filterFlags()).isEqualTo(6);
  }

  @Test
  void ociNamesMapOntoTheModel() {
    assertThat(SeccompAction.fromOci("SCMP_ACT_ERRNO", null)).isEqualTo(SeccompAction.errno(1));
    assertThat(SeccompAction.fromOci("SCMP_ACT_ERRNO", 38)).isEqualTo(SeccompAction.errno(38));
    assertThat(SeccompAction.fromOci("SCMP_ACT_KILL", null)).isEqualTo(SeccompAction.KILL_THREAD);
    assertThat(SeccompAction.fromOci("SCMP_ACT_KILL_PROCESS", null))
        .isEqualTo(SeccompAction.KILL_PROCESS);
    assertThatThrownBy(() -> SeccompAction.fromOci("SCMP_ACT_NOTIFY", null))
        .hasMessageContaining("SCMP_ACT_NOTIFY");
    assertThat(ArgOp.fromOci("SCMP_CMP_MASKED_EQ")).isEqualTo(ArgOp.MASKED_EQ);
    assertThat(Arch.fromOci("SCMP_ARCH_X32")).isEqualTo(Arch.X32);
    assertThat(FilterFlag.fromOci("SECCOMP_FILTER_FLAG_LOG").bit()).isEqualTo(2);
    assertThatThrownBy(() -> SeccompAction.errno(4096))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ArgCondition.eq(6, 0)).hasMessageContaining("index 6");
  }
}
