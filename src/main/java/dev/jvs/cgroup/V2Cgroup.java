package dev.jvs.cgroup;

import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.limits.DeviceRate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A guest's cgroup on v2: one directory. */
final class V2Cgroup implements Cgroup {
  private final CgroupFs fs;
  private final DeviceAttacher devices;
  private final Path dir;
  private final CgroupPath path;

  V2Cgroup(CgroupFs fs, DeviceAttacher devices, Path dir, CgroupPath path) {
    this.fs = fs;
    this.devices = devices;
    this.dir = dir;
    this.path = path;
  }

  @Override
  public String path() {
    return path.display();
  }

  @Override
  public Optional<Path> bpfDir() {
    return Optional.of(dir);
  }

  @Override
  public void apply(CgroupLimits l) {
    Set<String> controllers = CgroupV2Driver.words(fs.read(dir.resolve("cgroup.controllers")));
    Writer w = new Writer(controllers);
    if (l.cpuCpus() != null) {
      w.write("cpuset", "cpuset.cpus", l.cpuCpus());
    }
    if (l.cpuShares() != null) {
      w.write("cpu", "cpu.weight", Long.toString(Translation.sharesToWeight(l.cpuShares())));
    }
    if (l.cpuLimitPercent() != null || l.cpuBurstPercent() != null) {
      // The kernel refuses a burst above the quota at each write: clear it, then set both.
      boolean canBurst = fs.exists(dir.resolve("cpu.max.burst"));
      boolean burst = l.cpuBurstPercent() != null && l.cpuBurstPercent() > 0;
      if (burst && !canBurst) {
        throw new CgroupException(
            "cpu.max.burst: not available (this kernel is older than 5.14)", "cpu.max.burst", 0);
      }
      if (canBurst) {
        w.write("cpu", "cpu.max.burst", "0");
      }
      if (l.cpuLimitPercent() != null) {
        w.write("cpu", "cpu.max", Translation.cpuMax(l.cpuLimitPercent()));
      }
      if (burst) {
        w.write(
            "cpu",
            "cpu.max.burst",
            Long.toString(Translation.percentToQuotaUs(l.cpuBurstPercent())));
      }
    }
    // memory.max and memory.swap.max are independent on v2: no write order to keep.
    if (l.memoryMax() != null) {
      w.write("memory", "memory.max", Translation.v2Number(l.memoryMax()));
    }
    if (l.memorySwapMax() != null) {
      w.write("memory", "memory.swap.max", Translation.v2Number(l.memorySwapMax()));
    }
    if (l.memoryHigh() != null) {
      w.write("memory", "memory.high", Translation.v2Number(l.memoryHigh()));
    }
    if (l.pidsMax() != null) {
      w.write("pids", "pids.max", Translation.v2Number(l.pidsMax()));
    }
    if (l.ioWeight() != null) {
      applyIoWeight(w, l.ioWeight());
    }
    for (String line : ioMaxLines(l.ioReadBps(), l.ioWriteBps())) {
      w.write("io", "io.max", line);
    }
    if (l.devices() != null) {
      devices.restrict(dir, l.devices());
    }
  }

  /**
   * io.weight belongs to the iocost controller, which weighs only devices it is enabled on
   * (io.cost.qos); BFQ weighs devices whose scheduler is bfq by io.bfq.weight (1..1000, so
   * clamped). A kernel may offer both, and a device uses one or the other, so both are written.
   */
  private void applyIoWeight(Writer w, int weight) {
    boolean bfq = fs.exists(dir.resolve("io.bfq.weight"));
    if (fs.exists(dir.resolve("io.weight")) || !bfq) {
      w.write("io", "io.weight", "default " + weight);
    }
    if (bfq) {
      w.write("io", "io.bfq.weight", "default " + Math.min(weight, 1000));
    }
  }

  /** One io.max line per device ("MAJ:MIN rbps=N wbps=N"; 0 becomes "max", no cap). */
  static List<String> ioMaxLines(List<DeviceRate> reads, List<DeviceRate> writes) {
    Map<String, String> lines = new LinkedHashMap<>();
    if (reads != null) {
      reads.forEach(r -> lines.merge(r.device(), "rbps=" + bps(r), (a, b) -> a + " " + b));
    }
    if (writes != null) {
      writes.forEach(r -> lines.merge(r.device(), "wbps=" + bps(r), (a, b) -> a + " " + b));
    }
    return lines.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList();
  }

  private static String bps(DeviceRate r) {
    return r.bytesPerSecond() == 0 ? "max" : Long.toString(r.bytesPerSecond());
  }

  @Override
  public void tune(CgroupTuning t) {
    Set<String> controllers = CgroupV2Driver.words(fs.read(dir.resolve("cgroup.controllers")));
    Writer w = new Writer(controllers);
    if (t.cpuPeriodUs() != null || t.cpuQuotaUs() != null) {
      // cpu.max holds both: keep the half not being changed
      String[] now = fs.read(dir.resolve("cpu.max")).strip().split("\\s+");
      String quota =
          t.cpuQuotaUs() == null
              ? now[0]
              : t.cpuQuotaUs() == -1 ? "max" : Long.toString(t.cpuQuotaUs());
      String period = t.cpuPeriodUs() == null ? now[1] : Long.toString(t.cpuPeriodUs());
      w.write("cpu", "cpu.max", quota + " " + period);
    }
    if (t.cpuMems() != null) {
      w.write("cpuset", "cpuset.mems", t.cpuMems());
    }
    if (t.memoryReservation() != null) {
      w.write("memory", "memory.low", Translation.v2Number(t.memoryReservation()));
    }
    refuseV1Only(t.memorySwappiness() != null, "memory.swappiness");
    refuseV1Only(Boolean.TRUE.equals(t.oomKillDisable()), "memory.oom_control");
    refuseV1Only(t.kernelTcpMemory() != null, "memory.kmem.tcp.limit_in_bytes");
    if (!t.hugepageLimits().isEmpty()) {
      V2Hugetlb.enable(fs, dir, path.relative());
      Set<String> now = CgroupV2Driver.words(fs.read(dir.resolve("cgroup.controllers")));
      Writer hw = new Writer(now);
      t.hugepageLimits()
          .forEach(
              (size, bytes) -> {
                if (!fs.exists(dir.resolve("hugetlb." + size + ".max"))) {
                  throw new CgroupException(
                      "hugetlb."
                          + size
                          + ".max: this kernel offers no such huge"
                          + " page size (see /sys/kernel/mm/hugepages)",
                      "hugetlb." + size + ".max",
                      0);
                }
                hw.write("hugetlb", "hugetlb." + size + ".max", Translation.v2Number(bytes));
              });
    }
  }

  private static void refuseV1Only(boolean asked, String file) {
    if (asked) {
      throw new CgroupException(file + ": cgroup v2 has no such knob (cgroup v1 only)", file, 0);
    }
  }

  /** Writes a control file after checking its controller reaches this cgroup. */
  private final class Writer {
    private final Set<String> controllers;

    Writer(Set<String> controllers) {
      this.controllers = controllers;
    }

    void write(String controller, String file, String value) {
      if (!controllers.contains(controller)) {
        throw new CgroupException(
            file
                + ": cannot set "
                + value
                + ": the "
                + controller
                + " controller is not enabled for "
                + path()
                + " (cgroup.controllers: "
                + String.join(" ", controllers.stream().sorted().toList())
                + ")",
            file,
            0);
      }
      fs.write(dir.resolve(file), value);
    }
  }

  @Override
  public void addProcess(long pid) {
    fs.write(dir.resolve("cgroup.procs"), Long.toString(pid));
  }

  @Override
  public List<Long> pids() {
    return CgroupTree.pids(fs, dir);
  }

  @Override
  public CgroupUsage usage() {
    long cpu = cpuNanos();
    long pids = number("pids.current");
    return new CgroupUsage(
        cpu,
        number("memory.current"),
        number("memory.peak"),
        pids == CgroupUsage.UNKNOWN ? pids().size() : pids,
        fs.readIfExists(dir.resolve("memory.events"))
            .map(t -> KeyedValues.parse(t).getOrDefault("oom_kill", CgroupUsage.UNKNOWN))
            .orElse(CgroupUsage.UNKNOWN));
  }

  @Override
  public long memoryBytes() {
    return number("memory.current");
  }

  @Override
  public long cpuNanos() {
    return fs.readIfExists(dir.resolve("cpu.stat"))
        .map(t -> KeyedValues.parse(t).get("usage_usec"))
        .map(us -> us * 1000)
        .orElse(CgroupUsage.UNKNOWN);
  }

  @Override
  public boolean ensureCpuShares(long shares) {
    String weight = Long.toString(Translation.sharesToWeight(shares));
    if (fs.readIfExists(dir.resolve("cpu.weight")).map(String::strip).orElse("").equals(weight)) {
      return false;
    }
    apply(CgroupLimits.none().withCpuShares(shares));
    return true;
  }

  @Override
  public CgroupStats stats() {
    var cpu = fs.readIfExists(dir.resolve("cpu.stat")).map(KeyedValues::parse).orElse(Map.of());
    long[] io =
        fs.readIfExists(dir.resolve("io.stat"))
            .map(CgroupStats::ioStatV2)
            .orElse(new long[] {CgroupUsage.UNKNOWN, CgroupUsage.UNKNOWN});
    return new CgroupStats(
        micros(cpu.get("user_usec")),
        micros(cpu.get("system_usec")),
        number("memory.swap.current"),
        fs.readIfExists(dir.resolve("pids.events"))
            .map(t -> KeyedValues.parse(t).getOrDefault("max", CgroupUsage.UNKNOWN))
            .orElse(CgroupUsage.UNKNOWN),
        io[0],
        io[1]);
  }

  private static long micros(Long usec) {
    return usec == null ? CgroupUsage.UNKNOWN : usec * 1000;
  }

  private long number(String file) {
    return fs.readIfExists(dir.resolve(file))
        .map(s -> Long.parseLong(s.strip()))
        .orElse(CgroupUsage.UNKNOWN);
  }

  /**
   * cgroup.kill (Linux 5.14) kills the whole subtree atomically, forks included; before it, kill
   * pid by pid until nothing is left (v2's freezer lets SIGKILL through, so no freezing needed).
   */
  @Override
  public void killAll(Duration timeout) {
    Path kill = dir.resolve("cgroup.kill");
    boolean hasKill = fs.exists(kill);
    boolean empty =
        Polling.await(
            () -> {
              List<Long> pids = pids();
              if (pids.isEmpty()) {
                return true;
              }
              if (hasKill) {
                fs.write(kill, "1");
              } else {
                pids.forEach(CgroupTree::sigkill);
              }
              return false;
            },
            timeout);
    if (!empty) {
      throw new CgroupException(
          path() + ": processes still inside after " + timeout + ": " + pids());
    }
  }

  @Override
  public void setFrozen(boolean frozen) {
    Path freeze = dir.resolve("cgroup.freeze");
    if (!fs.exists(freeze)) {
      throw new CgroupException(path() + ": freeze: no cgroup.freeze here (Linux 5.2 or later)");
    }
    fs.write(freeze, frozen ? "1" : "0");
  }

  @Override
  public boolean isFrozen() {
    return fs.readIfExists(dir.resolve("cgroup.freeze")).map(String::strip).orElse("").equals("1");
  }

  @Override
  public void destroy() {
    if (!fs.exists(dir)) {
      return;
    }
    killAll(DESTROY_TIMEOUT);
    releaseCharges();
    CgroupTree.remove(fs, dir);
  }

  /**
   * Reclaims what is still charged to the emptied cgroup (memory.reclaim, Linux 5.19), deepest
   * first, as the v1 driver does with memory.force_empty: charged page cache would keep the cgroup
   * alive, dying, after its rmdir. Best effort: EAGAIN (less was reclaimable) changes nothing.
   */
  void releaseCharges() {
    reclaim(dir);
  }

  private void reclaim(Path d) {
    fs.subdirs(d).forEach(this::reclaim);
    Path reclaim = d.resolve("memory.reclaim");
    if (!fs.exists(reclaim)) {
      return; // an older kernel, or no memory controller here
    }
    try {
      long charged = Long.parseLong(fs.read(d.resolve("memory.current")).strip());
      if (charged > 0) {
        fs.write(reclaim, Long.toString(charged));
      }
    } catch (CgroupException | NumberFormatException e) {
      // EAGAIN: not all of it could be reclaimed; the rmdir that follows decides
    }
  }

  @Override
  public String toString() {
    return "v2 cgroup " + path();
  }
}
