package dev.jvs.limits;

/** A throughput cap for one block device; {@code bytesPerSecond} 0 removes the cap. */
public record DeviceRate(long major, long minor, long bytesPerSecond) {
  public DeviceRate {
    if (major < 0 || minor < 0) {
      throw new IllegalArgumentException("device numbers must be >= 0: " + major + ":" + minor);
    }
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytes per second must be >= 0: " + bytesPerSecond);
    }
  }

  /** "MAJ:MIN", the key both v1 and v2 files use. */
  public String device() {
    return major + ":" + minor;
  }
}
