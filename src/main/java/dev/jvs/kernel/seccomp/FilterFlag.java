package dev.jvs.kernel.seccomp;

import java.util.Arrays;

/** The seccomp(2) filter flags an OCI profile may ask for ({@code flags}). */
public enum FilterFlag {
  /** Log every action except ALLOW (SECCOMP_FILTER_FLAG_LOG). */
  LOG("SECCOMP_FILTER_FLAG_LOG", 1 << 1),
  /** Leave speculative store bypass mitigation off (SECCOMP_FILTER_FLAG_SPEC_ALLOW). */
  SPEC_ALLOW("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1 << 2),
  /** SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (only meaningful with a notify listener). */
  WAIT_KILLABLE_RECV("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1 << 5);

  private final String ociName;
  private final int bit;

  FilterFlag(String ociName, int bit) {
    this.ociName = ociName;
    this.bit = bit;
  }

  public String ociName() {
    return ociName;
  }

  public int bit() {
    return bit;
  }

  public static FilterFlag fromOci(String name) {
    return Arrays.stream(values())
        .filter(f -> f.ociName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unsupported seccomp flag: " + name));
  }
}
