package dev.jvs.kernel.seccomp;

import java.util.Arrays;

/**
 * The OCI {@code SCMP_ARCH_*} names jvs understands. Only native x86_64 calls are filtered by the
 * rules; see {@link SeccompCompiler} for what happens to i386 and x32 calls.
 */
public enum Arch {
  X86_64("SCMP_ARCH_X86_64", 0xC000003E),
  X86("SCMP_ARCH_X86", 0x40000003),
  /** x32 calls arrive with the x86_64 audit arch and {@link #X32_SYSCALL_BIT} set in nr. */
  X32("SCMP_ARCH_X32", 0xC000003E);

  /** __X32_SYSCALL_BIT. */
  public static final int X32_SYSCALL_BIT = 0x40000000;

  private final String ociName;
  private final int auditArch;

  Arch(String ociName, int auditArch) {
    this.ociName = ociName;
    this.auditArch = auditArch;
  }

  public String ociName() {
    return ociName;
  }

  /** The AUDIT_ARCH_* value the kernel puts in seccomp_data.arch. */
  public int auditArch() {
    return auditArch;
  }

  public static Arch fromOci(String name) {
    return Arrays.stream(values())
        .filter(a -> a.ociName.equals(name))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("unsupported seccomp architecture: " + name));
  }
}
