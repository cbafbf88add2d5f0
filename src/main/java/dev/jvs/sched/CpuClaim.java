package dev.jvs.sched;

/**
 * What one running guest asks of the CPU scheduler.
 *
 * @param guest the guest's name
 * @param share its cpu.share weight (1024 when unset)
 * @param reservePercent its cpu.reserve in % of one CPU, 0 when unset
 * @param cpus the CPUs it may run on (cpu.cpus, else the host's), as a bit set
 */
public record CpuClaim(String guest, long share, int reservePercent, java.util.BitSet cpus) {
  public static final long DEFAULT_SHARE = 1024;

  public CpuClaim {
    cpus = (java.util.BitSet) cpus.clone();
  }

  @Override
  public java.util.BitSet cpus() {
    return (java.util.BitSet) cpus.clone();
  }
}
