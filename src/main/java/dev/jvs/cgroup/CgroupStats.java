package dev.jvs.cgroup;

/**
 * Counters of one guest's cgroup beyond {@link CgroupUsage}, for the API's metrics. A value is
 * {@link CgroupUsage#UNKNOWN} where the driver cannot tell.
 *
 * @param pidsMaxHits how often a fork failed at pids.max (pids.events "max")
 */
public record CgroupStats(
    long cpuUserNanos,
    long cpuSystemNanos,
    long swapBytes,
    long pidsMaxHits,
    long ioReadBytes,
    long ioWriteBytes) {
  public static final CgroupStats UNKNOWN =
      new CgroupStats(
          CgroupUsage.UNKNOWN,
          CgroupUsage.UNKNOWN,
          CgroupUsage.UNKNOWN,
          CgroupUsage.UNKNOWN,
          CgroupUsage.UNKNOWN,
          CgroupUsage.UNKNOWN);

  /** Sums the byte columns of io.stat (v2: "MAJ:MIN rbytes=N wbytes=N …" per device). */
  static long[] ioStatV2(String text) {
    long read = 0;
    long write = 0;
    for (String line : text.split("\n")) {
      for (String field : line.strip().split(" ")) {
        if (field.startsWith("rbytes=")) {
          read += Long.parseLong(field.substring(7));
        } else if (field.startsWith("wbytes=")) {
          write += Long.parseLong(field.substring(7));
        }
      }
    }
    return new long[] {read, write};
  }

  /** Sums blkio.throttle.io_service_bytes (v1: "MAJ:MIN Read N" … per device, then "Total N"). */
  static long[] ioServiceBytesV1(String text) {
    long read = 0;
    long write = 0;
    for (String line : text.split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length == 3 && f[1].equals("Read")) {
        read += Long.parseLong(f[2]);
      } else if (f.length == 3 && f[1].equals("Write")) {
        write += Long.parseLong(f[2]);
      }
    }
    return new long[] {read, write};
  }
}
