package dev.jvs.kernel.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.kernel.seccomp.BpfInterpreter.Call;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SeccompProfilesTest {
  private static final SyscallTable TABLE = SyscallTable.x86_64();
  private static final SeccompAction EPERM = SeccompAction.errno(1);
  private static final long SIGCHLD = 17;
  private static BpfInterpreter bpf;

  @BeforeAll
  static void compileOnce() {
    bpf = BpfInterpreter.load(SeccompCompiler.compile(SeccompProfiles.defaultProfile()));
  }

  private static SeccompAction verdict(String syscall, long... args) {
    return bpf.verdict(Call.x86_64(TABLE.require(syscall), args));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "read",
        "write",
        "openat",
        "close",
        "execve",
        "exit_group",
        "mmap",
        "futex",
        "wait4",
        "epoll_wait",
        "rt_sigaction",
        "chroot",
        "mknod",
        "setuid",
        "kill",
        "bind",
        "ptrace",
        "clock_gettime",
        "getrandom",
        "statx",
        "rseq",
        "fchmodat2",
        "seccomp",
        "pidfd_open"
      })
  void allowsWhatUserlandNeeds(String syscall) {
    assertThat(verdict(syscall, 3, 0, 0)).isEqualTo(SeccompAction.ALLOW);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "mount",
        "umount2",
        "pivot_root",
        "reboot",
        "init_module",
        "finit_module",
        "delete_module",
        "kexec_load",
        "kexec_file_load",
        "settimeofday",
        "clock_settime",
        "clock_adjtime",
        "adjtimex",
        "swapon",
        "swapoff",
        "bpf",
        "perf_event_open",
        "keyctl",
        "add_key",
        "request_key",
        "unshare",
        "setns",
        "open_by_handle_at",
        "name_to_handle_at",
        "userfaultfd",
        "acct",
        "quotactl",
        "lookup_dcookie",
        "iopl",
        "ioperm",
        "syslog",
        "mount_setattr",
        "move_mount",
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "open_tree",
        "process_vm_readv",
        "process_vm_writev",
        "io_uring_setup",
        "uselib",
        "nfsservctl",
        "create_module",
        "sethostname"
      })
  void deniesHostLevelCallsWithEperm(String syscall) {
    assertThat(verdict(syscall)).isEqualTo(EPERM);
  }

  @Test
  void cloneIsAllowedWithoutNamespaceFlags() {
    // fork() as glibc does it, and pthread_create's flags.
    assertThat(verdict("clone", SIGCHLD)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict("clone", 0x01200000L | SIGCHLD)).isEqualTo(SeccompAction.ALLOW);
    assertThat(verdict("clone", 0x003d0f00L)).isEqualTo(SeccompAction.ALLOW);
    for (long ns :
        new long[] {
          0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000
        }) {
      assertThat(verdict("clone", ns | SIGCHLD)).as("flag 0x%x", ns).isEqualTo(EPERM);
    }
  }

  @Test
  void clone3FailsWithEnosysSoLibcFallsBackToClone() {
    assertThat(verdict("clone3", 0x7fff0000L, 88)).isEqualTo(SeccompAction.errno(38));
  }

  @Test
  void personalityAllowsDockersValuesWhateverTheUpperHalf() {
    for (long p : SeccompProfiles.PERSONALITIES) {
      assertThat(verdict("personality", p)).isEqualTo(SeccompAction.ALLOW);
    }
    // personality(-1) from a libc that does not truncate: the kernel reads 0xffffffff (query).
    assertThat(verdict("personality", -1L)).isEqualTo(SeccompAction.ALLOW);
    // ADDR_NO_RANDOMIZE stays denied, as in Docker.
    assertThat(verdict("personality", 0x0040000L)).isEqualTo(EPERM);
  }

  @Test
  void socketRefusesVsockEvenWithGarbageInTheUpperHalf() {
    assertThat(verdict("socket", 1, 1, 0)).isEqualTo(SeccompAction.ALLOW); // AF_UNIX
    assertThat(verdict("socket", 2, 2, 0)).isEqualTo(SeccompAction.ALLOW); // AF_INET
    assertThat(verdict("socket", 16, 3, 0)).isEqualTo(SeccompAction.ALLOW); // AF_NETLINK
    assertThat(verdict("socket", 40, 1, 0)).isEqualTo(SeccompAction.errno(97));
    assertThat(verdict("socket", 0x100000028L, 1, 0)).isEqualTo(SeccompAction.errno(97));
  }

  @Test
  void otherAbisAreKilled() {
    assertThat(bpf.verdict(new Call(3, Arch.X86.auditArch(), 0)))
        .isEqualTo(SeccompAction.KILL_PROCESS);
    assertThat(bpf.verdict(Call.x86_64(0x40000000 | 257))).isEqualTo(SeccompAction.KILL_PROCESS);
  }

  @Test
  void everyNameInTheDefaultProfileIsInTheSyscallTable() {
    SeccompProfile profile = SeccompProfiles.defaultProfile();
    assertThat(profile.unknownSyscalls(TABLE)).isEmpty();
    assertThat(SeccompProfiles.defaultLists().denied())
        .allSatisfy(n -> assertThat(TABLE.number(n)).isPresent());
  }

  /** A new kernel's calls land in the table; this fails until each one is allowed or denied. */
  @Test
  void everyX86_64SyscallIsEitherAllowedOrDeniedOnPurpose() {
    Set<String> allowed = new HashSet<>(SeccompProfiles.defaultLists().allowed());
    Set<String> conditional = new HashSet<>();
    SeccompProfiles.conditionalRules().forEach(r -> conditional.addAll(r.names()));
    Set<String> denied = new HashSet<>(SeccompProfiles.defaultLists().denied());

    assertThat(SeccompProfiles.defaultLists().allowed()).doesNotHaveDuplicates();
    assertThat(SeccompProfiles.defaultLists().denied()).doesNotHaveDuplicates();
    assertThat(allowed)
        .doesNotContainAnyElementsOf(denied)
        .doesNotContainAnyElementsOf(conditional);
    assertThat(denied).doesNotContainAnyElementsOf(conditional);
    Set<String> classified = new HashSet<>();
    Stream.of(allowed, conditional, denied).forEach(classified::addAll);
    assertThat(classified).containsExactlyInAnyOrderElementsOf(TABLE.names());

    for (String name : denied) {
      assertThat(verdict(name)).as(name).isEqualTo(EPERM);
    }
    for (String name : allowed) {
      assertThat(verdict(name)).as(name).isEqualTo(SeccompAction.ALLOW);
    }
  }

  @Test
  void profileListsParseAllowAndDenyLines() {
    SeccompProfiles.Lists lists =
        SeccompProfiles.parse(List.of("# c", "allow read write # io", "", "deny mount"));
    assertThat(lists.allowed()).containsExactly("read", "write");
    assertThat(lists.denied()).containsExactly("mount");
    assertThatThrownBy(() -> SeccompProfiles.parse(List.of("permit read")))
        .hasMessageContaining("permit read");
  }

  @Test
  void canBeWidenedPerGuest() {
    SeccompProfile wider =
        SeccompProfiles.defaultProfile()
            .withoutSyscalls("clone3")
            .withRules(SyscallRule.allow("clone3", "sethostname"));
    BpfInterpreter widened = BpfInterpreter.load(SeccompCompiler.compile(wider));
    assertThat(widened.verdict(Call.x86_64(TABLE.require("clone3"))))
        .isEqualTo(SeccompAction.ALLOW);
    assertThat(widened.verdict(Call.x86_64(TABLE.require("sethostname"))))
        .isEqualTo(SeccompAction.ALLOW);
    assertThat(widened.verdict(Call.x86_64(TABLE.require("mount")))).isEqualTo(EPERM);
  }

  @Test
  void compiledDefaultProfileIsCompact() {
    BpfProgram program = SeccompCompiler.program(SeccompProfiles.defaultProfile());
    // 108 instructions when written: a search tree over 75 ranges, shared RETs, four blocks.
    assertThat(program.size()).isLessThan(150);
    assertThat(SeccompProfiles.defaultProfile().syscalls().getFirst().names()).contains("read");
  }
}
