package dev.jvs.cgroup;

import static dev.jvs.cgroup.EbpfAssembler.R0;
import static dev.jvs.cgroup.EbpfAssembler.R1;
import static dev.jvs.cgroup.EbpfAssembler.R2;
import static dev.jvs.cgroup.EbpfAssembler.R3;
import static dev.jvs.cgroup.EbpfAssembler.R4;
import static dev.jvs.cgroup.EbpfAssembler.R5;
import static dev.jvs.cgroup.EbpfAssembler.R6;
import static dev.jvs.cgroup.EbpfAssembler.R7;

import dev.jvs.limits.DeviceRule;
import java.util.List;

/**
 * A device allow-list as a BPF_PROG_TYPE_CGROUP_DEVICE program, cgroup v2's replacement for
 * devices.allow. The kernel passes struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32
 * minor}, where access_type holds the device type in its low 16 bits (1 block, 2 char) and the
 * access in its high 16 bits (1 mknod, 2 read, 4 write). The program returns 1 to allow, 0 to deny;
 * rules are tried in order and the first match allows.
 */
final class DeviceProgram {
  static final int TYPE_BLOCK = 1;
  static final int TYPE_CHAR = 2;
  static final int ACCESS_MKNOD = 1;
  static final int ACCESS_READ = 2;
  static final int ACCESS_WRITE = 4;

  private DeviceProgram() {}

  static byte[] assemble(List<DeviceRule> rules) {
    EbpfAssembler a = new EbpfAssembler();
    a.loadWord(R2, R1, 0) // access_type
        .movReg(R3, R2)
        .and(R3, 0xffff) // r3 = device type
        .movReg(R4, R2)
        .rsh(R4, 16) // r4 = requested access
        .loadWord(R5, R1, 4) // r5 = major
        .loadWord(R6, R1, 8); // r6 = minor
    for (int i = 0; i < rules.size(); i++) {
      DeviceRule r = rules.get(i);
      String next = "rule" + (i + 1);
      boolean conditional = false;
      if (r.type() != 'a') {
        a.jne(R3, r.type() == 'b' ? TYPE_BLOCK : TYPE_CHAR, next);
        conditional = true;
      }
      int allowed = access(r.access());
      if (allowed != (ACCESS_MKNOD | ACCESS_READ | ACCESS_WRITE)) {
        // Match only when every requested bit is allowed: requested & ~allowed == 0.
        a.movReg(R7, R4).and(R7, ~allowed & 7).jne(R7, 0, next);
        conditional = true;
      }
      if (r.major() != DeviceRule.ANY) {
        a.jne(R5, (int) r.major(), next);
        conditional = true;
      }
      if (r.minor() != DeviceRule.ANY) {
        a.jne(R6, (int) r.minor(), next);
        conditional = true;
      }
      a.mov(R0, 1).exit();
      if (!conditional) {
        // Everything is allowed; the verifier rejects the unreachable rest.
        return a.assemble();
      }
      a.label(next);
    }
    return a.mov(R0, 0).exit().assemble();
  }

  private static int access(String access) {
    int bits = 0;
    for (char c : access.toCharArray()) {
      bits |=
          switch (c) {
            case 'r' -> ACCESS_READ;
            case 'w' -> ACCESS_WRITE;
            case 'm' -> ACCESS_MKNOD;
            default -> throw new IllegalArgumentException("access letter: " + c);
          };
    }
    return bits;
  }
}
