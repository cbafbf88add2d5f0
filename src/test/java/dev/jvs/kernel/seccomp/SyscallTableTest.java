package dev.jvs.kernel.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SyscallTableTest {
  private final SyscallTable table = SyscallTable.x86_64();

  @Test
  void knowsX86_64Numbers() {
    assertThat(table.require("read")).isZero();
    assertThat(table.require("clone")).isEqualTo(56);
    assertThat(table.require("execve")).isEqualTo(59);
    assertThat(table.require("mount")).isEqualTo(165);
    assertThat(table.require("openat")).isEqualTo(257);
    assertThat(table.require("finit_module")).isEqualTo(313);
    assertThat(table.require("bpf")).isEqualTo(321);
    assertThat(table.require("pidfd_open")).isEqualTo(434);
    assertThat(table.require("clone3")).isEqualTo(435);
    assertThat(table.require("mseal")).isEqualTo(462);
    assertThat(table.name(231)).contains("exit_group");
    assertThat(table.name(400)).isEmpty();
    assertThat(table.maxNumber()).isGreaterThanOrEqualTo(462);
    assertThat(table.names()).hasSizeGreaterThan(370).doesNotContain("mmap2", "socketcall");
  }

  @Test
  void unknownNamesAreReportedByName() {
    assertThat(table.number("chown32")).isEmpty();
    assertThatThrownBy(() -> table.require("chown32"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown x86_64 system call 'chown32'");
  }

  @Test
  void parsesCommentsAndRejectsDuplicates() {
    SyscallTable t = SyscallTable.parse("test", List.of("# c", "", "0 read  # first", "7 poll"));
    assertThat(t.require("poll")).isEqualTo(7);
    assertThat(t.maxNumber()).isEqualTo(7);
    assertThatThrownBy(() -> SyscallTable.parse("test", List.of("0 read", "1 read")))
        .hasMessageContaining("duplicate");
    assertThatThrownBy(() -> SyscallTable.parse("test", List.of("x read")))
        .hasMessageContaining("line 1");
  }
}
