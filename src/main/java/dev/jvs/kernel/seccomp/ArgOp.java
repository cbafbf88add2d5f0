package dev.jvs.kernel.seccomp;

import java.util.Arrays;

/** The OCI {@code SCMP_CMP_*} operators. Arguments and values compare as unsigned 64-bit. */
public enum ArgOp {
  NE("SCMP_CMP_NE"),
  LT("SCMP_CMP_LT"),
  LE("SCMP_CMP_LE"),
  EQ("SCMP_CMP_EQ"),
  GE("SCMP_CMP_GE"),
  GT("SCMP_CMP_GT"),
  /** {@code (arg & value) == valueTwo}: value is the mask. */
  MASKED_EQ("SCMP_CMP_MASKED_EQ");

  private final String ociName;

  ArgOp(String ociName) {
    this.ociName = ociName;
  }

  public String ociName() {
    return ociName;
  }

  public static ArgOp fromOci(String name) {
    return Arrays.stream(values())
        .filter(op -> op.ociName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unsupported seccomp operator: " + name));
  }
}
