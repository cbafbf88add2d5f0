package dev.jvs.cgroup;

import static dev.jvs.cgroup.DeviceProgram.ACCESS_MKNOD;
import static dev.jvs.cgroup.DeviceProgram.ACCESS_READ;
import static dev.jvs.cgroup.DeviceProgram.ACCESS_WRITE;
import static dev.jvs.cgroup.DeviceProgram.TYPE_BLOCK;
import static dev.jvs.cgroup.DeviceProgram.TYPE_CHAR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.limits.DeviceRule;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceProgramTest {
  private static final int RW = ACCESS_READ | ACCESS_WRITE;

  @Test
  void instructionBytesForCharOneThree() {
    byte[] p = DeviceProgram.assemble(List.of(DeviceRule.chr(1, 3)));

    assertThat(HexFormat.ofDelimiter(" ").formatHex(p))
        .isEqualTo(
            String.join(
                " ",
                "61 12 00 00 00 00 00 00", // r2 = ctx->access_type
                "bf 23 00 00 00 00 00 00", // r3 = r2
                "57 03 00 00 ff ff 00 00", // r3 &= 0xffff (type)
                "bf 24 00 00 00 00 00 00", // r4 = r2
                "77 04 00 00 10 00 00 00", // r4 >>= 16 (access)
                "61 15 04 00 00 00 00 00", // r5 = ctx->major
                "61 16 08 00 00 00 00 00", // r6 = ctx->minor
                "55 03 04 00 02 00 00 00", // if r3 != char goto deny
                "55 05 03 00 01 00 00 00", // if r5 != 1 goto deny
                "55 06 02 00 03 00 00 00", // if r6 != 3 goto deny
                "b7 00 00 00 01 00 00 00", // r0 = 1
                "95 00 00 00 00 00 00 00", // exit
                "b7 00 00 00 00 00 00 00", // deny: r0 = 0
                "95 00 00 00 00 00 00 00")); // exit
  }

  @Test
  void emptyListDeniesEverything() {
    byte[] p = DeviceProgram.assemble(List.of());

    assertThat(p).hasSize(9 * 8);
    assertThat(run(p, TYPE_CHAR, ACCESS_READ, 1, 3)).isZero();
  }

  @Test
  void allowListSemantics() {
    byte[] p =
        DeviceProgram.assemble(
            List.of(
                DeviceRule.chr(1, 3),
                new DeviceRule('c', 1, 5, "r"),
                new DeviceRule('c', 136, DeviceRule.ANY, "rw"),
                new DeviceRule('b', DeviceRule.ANY, DeviceRule.ANY, "m")));

    assertThat(run(p, TYPE_CHAR, RW, 1, 3)).isEqualTo(1);
    assertThat(run(p, TYPE_CHAR, ACCESS_MKNOD, 1, 3)).isEqualTo(1);
    assertThat(run(p, TYPE_BLOCK, ACCESS_READ, 1, 3)).isZero();
    assertThat(run(p, TYPE_CHAR, ACCESS_READ, 1, 5)).isEqualTo(1);
    assertThat(run(p, TYPE_CHAR, RW, 1, 5)).as("write not allowed on 1:5").isZero();
    assertThat(run(p, TYPE_CHAR, RW, 136, 42)).isEqualTo(1);
    assertThat(run(p, TYPE_CHAR, ACCESS_MKNOD, 136, 42)).isZero();
    assertThat(run(p, TYPE_BLOCK, ACCESS_MKNOD, 8, 0)).isEqualTo(1);
    assertThat(run(p, TYPE_BLOCK, ACCESS_READ, 8, 0)).isZero();
    assertThat(run(p, TYPE_CHAR, ACCESS_READ, 1, 8)).isZero();
  }

  @Test
  void anAllowAllRuleEndsTheProgram() {
    byte[] p =
        DeviceProgram.assemble(List.of(new DeviceRule('a', -1, -1, "rwm"), DeviceRule.chr(1, 3)));

    // 7 loads + r0 = 1 + exit: nothing unreachable for the verifier to reject.
    assertThat(p).hasSize(9 * 8);
    assertThat(run(p, TYPE_BLOCK, RW | ACCESS_MKNOD, 8, 0)).isEqualTo(1);
  }

  @Test
  void typeAnyWithPartialAccess() {
    byte[] p = DeviceProgram.assemble(List.of(new DeviceRule('a', -1, -1, "m")));

    assertThat(run(p, TYPE_BLOCK, ACCESS_MKNOD, 8, 0)).isEqualTo(1);
    assertThat(run(p, TYPE_CHAR, ACCESS_MKNOD, 1, 3)).isEqualTo(1);
    assertThat(run(p, TYPE_CHAR, ACCESS_READ, 1, 3)).isZero();
  }

  private static long run(byte[] p, int type, int access, int major, int minor) {
    return BpfInterpreter.runDevice(p, type, access, major, minor);
  }
}
