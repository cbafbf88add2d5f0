package dev.jvs.cgroup;

import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.limits.DeviceRate;
import dev.jvs.limits.DeviceRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A guest's cgroup on v1: one directory per hierarchy (and a cgroup2 twin on hybrid hosts). */
final class V1Cgroup implements Cgroup {
  private static final Duration FREEZE_WAIT = Duration.ofSeconds(1);
  private static final String V2_FREEZE = "cgroup.freeze";

  private final CgroupFs fs;
  private final List<V1Hierarchy> hierarchies;
  private final CgroupPath path;
  private final Path twinDir; // where the cgroup2 twin would be; null without a cgroup2 mount
  private Path twin;
  private boolean twinChecked;

  V1Cgroup(CgroupFs fs, List<V1Hierarchy> hierarchies, CgroupPath path, Path twinDir) {
    this.fs = fs;
    this.hierarchies = hierarchies;
    this.path = path;
    this.twinDir = twinDir;
  }

  /**
   * The cgroup2 twin if it exists, checked at first use: reading counters (every guest, every tick
   * and scrape) needs no twin, so finding a cgroup costs no check for it.
   */
  private synchronized Path twin() {
    if (!twinChecked) {
      twin = twinDir != null && fs.exists(twinDir) ? twinDir : null;
      twinChecked = true;
    }
    return twin;
  }

  @Override
  public String path() {
    return path.display();
  }

  @Override
  public Optional<Path> bpfDir() {
    return Optional.ofNullable(twin());
  }

  private Optional<Path> dir(String controller) {
    return hierarchies.stream()
        .filter(h -> h.has(controller))
        .findFirst()
        .map(h -> h.dir(path.relative()));
  }

  /** The control file, or a clear error when its controller is not mounted. */
  private Path file(String controller, String file) {
    return dir(controller)
        .orElseThrow(
            () ->
                new CgroupException(
                    file + ": the " + controller + " controller is not mounted", file, 0))
        .resolve(file);
  }

  /**
   * The kernel refuses a burst above the quota, checked at each write: the burst is cleared first,
   * so lowering both in one apply cannot fail half-way.
   */
  private void applyCpuBandwidth(Integer limitPercent, Integer burstPercent) {
    Path burst = file("cpu", "cpu.cfs_burst_us");
    boolean canBurst = fs.exists(burst);
    if (burstPercent != null && burstPercent > 0 && !canBurst) {
      throw new CgroupException(
          "cpu.cfs_burst_us: not available (this kernel is older than 5.14)",
          "cpu.cfs_burst_us",
          0);
    }
    if (canBurst) {
      fs.write(burst, "0");
    }
    if (limitPercent != null) {
      fs.write(file("cpu", "cpu.cfs_period_us"), Long.toString(Translation.CFS_PERIOD_US));
      String quota =
          limitPercent == 0 ? "-1" : Long.toString(Translation.percentToQuotaUs(limitPercent));
      fs.write(file("cpu", "cpu.cfs_quota_us"), quota);
    }
    if (burstPercent != null && burstPercent > 0) {
      fs.write(burst, Long.toString(Translation.percentToQuotaUs(burstPercent)));
    }
  }

  @Override
  public void apply(CgroupLimits l) {
    if (l.cpuCpus() != null) {
      fs.write(file("cpuset", "cpuset.cpus"), l.cpuCpus());
    }
    if (l.cpuShares() != null) {
      fs.write(file("cpu", "cpu.shares"), Long.toString(l.cpuShares()));
    }
    if (l.cpuLimitPercent() != null || l.cpuBurstPercent() != null) {
      applyCpuBandwidth(l.cpuLimitPercent(), l.cpuBurstPercent());
    }
    if (l.memoryMax() != null || l.memorySwapMax() != null) {
      applyMemory(l.memoryMax(), l.memorySwapMax());
    }
    if (l.memoryHigh() != null) {
      // v1 cannot throttle; its soft limit is what the kernel reclaims to under memory pressure.
      fs.write(file("memory", "memory.soft_limit_in_bytes"), Translation.v1Number(l.memoryHigh()));
    }
    if (l.pidsMax() != null) {
      // pids.max takes "max", not -1, even on v1.
      fs.write(file("pids", "pids.max"), Translation.v2Number(l.pidsMax()));
    }
    if (l.ioWeight() != null) {
      applyIoWeight(l.ioWeight());
    }
    applyRates("blkio.throttle.read_bps_device", l.ioReadBps());
    applyRates("blkio.throttle.write_bps_device", l.ioWriteBps());
    if (l.devices() != null) {
      applyDevices(l.devices());
    }
  }

  /**
   * v1 keeps memory+swap in memory.memsw.limit_in_bytes, which the kernel requires to stay >=
   * memory.limit_in_bytes after every single write; so lower the limit first when it fits under the
   * current memsw, else raise memsw first. A null swap keeps today's swap allowance.
   */
  private void applyMemory(Long memoryMax, Long swapMax) {
    Path limitFile = file("memory", "memory.limit_in_bytes");
    Path memswFile = limitFile.resolveSibling("memory.memsw.limit_in_bytes");
    long currentLimit = readV1Limit(limitFile);
    long newLimit = memoryMax != null ? memoryMax : currentLimit;
    Optional<String> memswText = fs.readIfExists(memswFile);
    if (memswText.isEmpty()) {
      if (swapMax != null) {
        throw new CgroupException(
            "memory.memsw.limit_in_bytes: not available, so swap cannot be limited"
                + " (the kernel accounts swap only when booted with swapaccount=1)",
            "memory.memsw.limit_in_bytes",
            0);
      }
      fs.write(limitFile, Translation.v1Number(newLimit));
      return;
    }
    long currentMemsw = parseV1Limit(memswText.get());
    long currentSwap =
        currentMemsw == CgroupLimits.UNLIMITED || currentLimit == CgroupLimits.UNLIMITED
            ? CgroupLimits.UNLIMITED
            : currentMemsw - currentLimit;
    long newMemsw = Translation.memswLimit(newLimit, swapMax != null ? swapMax : currentSwap);
    boolean writeMemsw = swapMax != null || newMemsw != currentMemsw;
    if (newLimit <= currentMemsw) {
      if (memoryMax != null) {
        fs.write(limitFile, Translation.v1Number(newLimit));
      }
      if (writeMemsw) {
        fs.write(memswFile, Translation.v1Number(newMemsw));
      }
    } else {
      if (writeMemsw) {
        fs.write(memswFile, Translation.v1Number(newMemsw));
      }
      if (memoryMax != null) {
        fs.write(limitFile, Translation.v1Number(newLimit));
      }
    }
  }

  private long readV1Limit(Path file) {
    return parseV1Limit(fs.read(file));
  }

  private static long parseV1Limit(String text) {
    return Translation.v1Unlimited(text) ? CgroupLimits.UNLIMITED : Long.parseLong(text.strip());
  }

  /**
   * blkio.weight came with CFQ, which Linux 5.0 removed; BFQ offers blkio.bfq.weight (effective on
   * devices whose scheduler is bfq). Neither present means no weight can be set.
   */
  private void applyIoWeight(int ioWeight) {
    Path dir = file("blkio", "blkio.weight").getParent();
    String weight = Long.toString(Translation.ioWeightToBlkioWeight(ioWeight));
    for (String name : List.of("blkio.weight", "blkio.bfq.weight")) {
      if (fs.exists(dir.resolve(name))) {
        fs.write(dir.resolve(name), weight);
        return;
      }
    }
    throw new CgroupException(
        "blkio.weight: not available: no I/O scheduler here offers a weight"
            + " (load and select bfq: modprobe bfq; echo bfq > /sys/block/DEV/queue/scheduler)",
        "blkio.weight",
        0);
  }

  private void applyRates(String fileName, List<DeviceRate> rates) {
    if (rates == null) {
      return;
    }
    Path f = file("blkio", fileName);
    for (DeviceRate r : rates) {
      // One device per write; 0 removes the device's limit.
      fs.write(f, r.device() + " " + r.bytesPerSecond());
    }
  }

  /** Deny everything, then allow each rule: the result is exactly the allow-list. */
  private void applyDevices(List<DeviceRule> rules) {
    for (DeviceRule r : rules) {
      if (r.type() == 'a' && !r.access().equals("rwm")) {
        // The kernel reads "a" as "allow everything" and ignores the rest of the line.
        throw new CgroupException(
            "devices.allow: cannot express '" + r + "' on cgroup v1 (type a means all access)",
            "devices.allow",
            0);
      }
    }
    Path deny = file("devices", "devices.deny");
    fs.write(deny, "a");
    for (DeviceRule r : rules) {
      fs.write(deny.resolveSibling("devices.allow"), r.type() == 'a' ? "a" : r.toV1Line());
    }
  }

  /**
   * The OCI knobs beside {@link CgroupLimits}. Huge page limits go to a v1 hugetlb hierarchy when
   * one is mounted, else to the cgroup2 twin on a hybrid host (where this host has hugetlb).
   */
  @Override
  public void tune(CgroupTuning t) {
    if (t.cpuPeriodUs() != null) {
      fs.write(file("cpu", "cpu.cfs_period_us"), Long.toString(t.cpuPeriodUs()));
    }
    if (t.cpuQuotaUs() != null) {
      fs.write(file("cpu", "cpu.cfs_quota_us"), Long.toString(t.cpuQuotaUs()));
    }
    if (t.cpuMems() != null) {
      fs.write(file("cpuset", "cpuset.mems"), t.cpuMems());
    }
    if (t.memoryReservation() != null) {
      fs.write(
          file("memory", "memory.soft_limit_in_bytes"),
          Translation.v1Number(t.memoryReservation()));
    }
    if (t.memorySwappiness() != null) {
      fs.write(file("memory", "memory.swappiness"), Long.toString(t.memorySwappiness()));
    }
    if (t.oomKillDisable() != null) {
      fs.write(file("memory", "memory.oom_control"), t.oomKillDisable() ? "1" : "0");
    }
    if (t.kernelTcpMemory() != null) {
      fs.write(
          file("memory", "memory.kmem.tcp.limit_in_bytes"),
          Translation.v1Number(t.kernelTcpMemory()));
    }
    t.hugepageLimits().forEach(this::hugepageLimit);
  }

  private void hugepageLimit(String size, long bytes) {
    Optional<Path> v1 = dir("hugetlb");
    if (v1.isPresent()) {
      writeExisting(
          v1.get().resolve("hugetlb." + size + ".limit_in_bytes"), Translation.v1Number(bytes));
    } else if (twin() != null) {
      V2Hugetlb.enable(fs, twin(), path.relative());
      writeExisting(twin().resolve("hugetlb." + size + ".max"), Translation.v2Number(bytes));
    } else {
      throw new CgroupException(
          "hugetlb: no hugetlb controller on this host (neither a v1 hierarchy nor cgroup2)",
          "hugetlb",
          0);
    }
  }

  /** A huge page size the kernel does not offer has no control file: say so, not ENOENT. */
  private void writeExisting(Path file, String value) {
    if (!fs.exists(file)) {
      throw new CgroupException(
          file.getFileName()
              + ": this kernel offers no such huge page"
              + " size (see /sys/kernel/mm/hugepages)",
          file.getFileName().toString(),
          0);
    }
    fs.write(file, value);
  }

  @Override
  public void addProcess(long pid) {
    for (V1Hierarchy h : hierarchies) {
      fs.write(h.dir(path.relative()).resolve("cgroup.procs"), Long.toString(pid));
    }
    if (twin() != null) {
      fs.write(twin().resolve("cgroup.procs"), Long.toString(pid));
    }
  }

  /** Reads the freezer hierarchy when there is one, as killAll does. */
  private Path primary() {
    return dir("freezer").orElseGet(() -> hierarchies.get(0).dir(path.relative()));
  }

  @Override
  public List<Long> pids() {
    return CgroupTree.pids(fs, primary());
  }

  @Override
  public CgroupUsage usage() {
    long cpu = number("cpuacct", "cpuacct.usage");
    long memory = number("memory", "memory.usage_in_bytes");
    long peak = number("memory", "memory.max_usage_in_bytes");
    long pids = number("pids", "pids.current");
    if (pids == CgroupUsage.UNKNOWN) {
      pids = pids().size();
    }
    long oomKills =
        dir("memory")
            .flatMap(d -> fs.readIfExists(d.resolve("memory.oom_control")))
            .map(text -> KeyedValues.parse(text).getOrDefault("oom_kill", CgroupUsage.UNKNOWN))
            .orElse(CgroupUsage.UNKNOWN);
    return new CgroupUsage(cpu, memory, peak, pids, oomKills);
  }

  @Override
  public long memoryBytes() {
    return number("memory", "memory.usage_in_bytes");
  }

  @Override
  public long cpuNanos() {
    return number("cpuacct", "cpuacct.usage");
  }

  @Override
  public boolean ensureCpuShares(long shares) {
    Path file = file("cpu", "cpu.shares");
    if (fs.readIfExists(file).map(String::strip).orElse("").equals(Long.toString(shares))) {
      return false;
    }
    fs.write(file, Long.toString(shares));
    return true;
  }

  @Override
  public CgroupStats stats() {
    // cpuacct.stat counts USER_HZ ticks, 100 a second on every Linux architecture jvs runs on
    var cpu =
        dir("cpuacct")
            .flatMap(d -> fs.readIfExists(d.resolve("cpuacct.stat")))
            .map(KeyedValues::parse)
            .orElse(java.util.Map.of());
    long memsw = number("memory", "memory.memsw.usage_in_bytes");
    long memory = number("memory", "memory.usage_in_bytes");
    long[] io =
        dir("blkio")
            .flatMap(d -> fs.readIfExists(d.resolve("blkio.throttle.io_service_bytes")))
            .map(CgroupStats::ioServiceBytesV1)
            .orElse(new long[] {CgroupUsage.UNKNOWN, CgroupUsage.UNKNOWN});
    return new CgroupStats(
        ticks(cpu.get("user")),
        ticks(cpu.get("system")),
        memsw >= 0 && memory >= 0 ? Math.max(0, memsw - memory) : CgroupUsage.UNKNOWN,
        dir("pids")
            .flatMap(d -> fs.readIfExists(d.resolve("pids.events")))
            .map(t -> KeyedValues.parse(t).getOrDefault("max", CgroupUsage.UNKNOWN))
            .orElse(CgroupUsage.UNKNOWN),
        io[0],
        io[1]);
  }

  private static long ticks(Long ticks) {
    return ticks == null ? CgroupUsage.UNKNOWN : ticks * 10_000_000L;
  }

  private long number(String controller, String file) {
    return dir(controller)
        .flatMap(d -> fs.readIfExists(d.resolve(file)))
        .map(s -> Long.parseLong(s.strip()))
        .orElse(CgroupUsage.UNKNOWN);
  }

  /**
   * Freeze so nothing can fork or exit (a frozen pid cannot be reused, so killing by number is
   * safe), SIGKILL every task, thaw so the kills take effect; repeat until empty.
   */
  @Override
  public void killAll(Duration timeout) {
    Optional<Path> freezer = dir("freezer").filter(d -> fs.exists(d));
    boolean empty =
        Polling.await(
            () -> {
              if (pids().isEmpty()) {
                return true;
              }
              freezer.ifPresent(this::freeze);
              try {
                pids().forEach(CgroupTree::sigkill);
              } finally {
                freezer.ifPresent(d -> fs.write(d.resolve("freezer.state"), "THAWED"));
              }
              return false;
            },
            timeout);
    if (!empty) {
      throw new CgroupException(
          path() + ": processes still inside after " + timeout + ": " + pids());
    }
  }

  /** FROZEN can take a moment (FREEZING); a task stuck in the kernel may never freeze. */
  private void freeze(Path dir) {
    Path state = dir.resolve("freezer.state");
    fs.write(state, "FROZEN");
    Polling.await(() -> fs.read(state).strip().equals("FROZEN"), FREEZE_WAIT);
  }

  @Override
  public void setFrozen(boolean frozen) {
    Optional<Path> freezer = dir("freezer").filter(fs::exists);
    if (freezer.isEmpty() && twin() != null && fs.exists(twin().resolve(V2_FREEZE))) {
      fs.write(twin().resolve(V2_FREEZE), frozen ? "1" : "0"); // a hybrid host's cgroup2 freezer
      return;
    }
    Path dir =
        freezer.orElseThrow(
            () -> new CgroupException(path() + ": freeze: no freezer cgroup on this host"));
    if (frozen) {
      freeze(dir);
    } else {
      Path state = dir.resolve("freezer.state");
      fs.write(state, "THAWED");
      Polling.await(() -> fs.read(state).strip().equals("THAWED"), FREEZE_WAIT);
    }
  }

  @Override
  public boolean isFrozen() {
    Optional<Path> freezer = dir("freezer").filter(fs::exists);
    if (freezer.isEmpty()) {
      return twin() != null
          && fs.readIfExists(twin().resolve(V2_FREEZE)).map(String::strip).orElse("").equals("1");
    }
    String state = fs.readIfExists(freezer.get().resolve("freezer.state")).orElse("").strip();
    return state.equals("FROZEN") || state.equals("FREEZING");
  }

  @Override
  public void destroy() {
    if (dirs().stream().noneMatch(fs::exists)) {
      return;
    }
    killAll(DESTROY_TIMEOUT);
    releaseCharges();
    for (Path dir : dirs()) {
      CgroupTree.remove(fs, dir);
    }
  }

  /**
   * Reclaims the page cache still charged to the emptied memory cgroup (memory.force_empty),
   * deepest first. Charged pages outlive the rmdir and keep the memory cgroup alive as a dying one,
   * which the kernel keeps growing like a live one (its shrinker map gains a slot for every
   * superblock mounted later, ~1 KiB per 64). Measured here: of 6 emptied cgroups that had written
   * and read 2 MB each, all 6 stayed dying after rmdir without it, 1 with it. Best effort: a page
   * it cannot reclaim only keeps the cgroup dying, as before.
   */
  void releaseCharges() {
    dir("memory").ifPresent(this::forceEmpty);
  }

  private void forceEmpty(Path dir) {
    fs.subdirs(dir).forEach(this::forceEmpty);
    Path file = dir.resolve("memory.force_empty");
    if (!fs.exists(file)) {
      return;
    }
    try {
      fs.write(file, "0");
    } catch (CgroupException e) {
      // a task still inside (EBUSY) or a signal (EINTR): the rmdir that follows decides
    }
  }

  private List<Path> dirs() {
    List<Path> dirs = new ArrayList<>();
    hierarchies.forEach(h -> dirs.add(h.dir(path.relative())));
    if (twin() != null) {
      dirs.add(twin());
    }
    return dirs;
  }

  @Override
  public String toString() {
    return "v1 cgroup " + path();
  }
}
