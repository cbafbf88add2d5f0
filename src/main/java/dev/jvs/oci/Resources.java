package dev.jvs.oci;

import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.limits.DeviceRate;
import dev.jvs.limits.DeviceRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * linux.resources → CgroupLimits plus the exact knobs of CgroupTuning; a field jvs cannot honour is
 * an error, never ignored (memory.kernel excepted: see {@link #limits}).
 */
final class Resources {
  private static final Pattern PAGE_SIZE = Pattern.compile("([1-9][0-9]*)([KMG])B");
  private static final Path HUGEPAGES = Path.of("/sys/kernel/mm/hugepages");

  /** What runc allows every container besides its config's list (the runtime-spec defaults). */
  private static final List<DeviceRule> DEFAULT_ALLOWED =
      List.of(
          new DeviceRule('c', DeviceRule.ANY, DeviceRule.ANY, "m"),
          new DeviceRule('b', DeviceRule.ANY, DeviceRule.ANY, "m"),
          DeviceRule.chr(1, 3),
          DeviceRule.chr(1, 5),
          DeviceRule.chr(1, 7),
          DeviceRule.chr(1, 8),
          DeviceRule.chr(1, 9),
          DeviceRule.chr(5, 0),
          DeviceRule.chr(5, 1),
          DeviceRule.chr(5, 2),
          DeviceRule.chr(136, DeviceRule.ANY));

  private Resources() {}

  static CgroupLimits limits(OciConfig.Resources r, List<OciConfig.Device> devices) {
    CgroupLimits l = CgroupLimits.none().withDevices(deviceRules(r, devices));
    if (r == null) {
      return l;
    }
    refuse(r.network() != null, "network");
    refuse(r.rdma() != null, "rdma");
    refuse(r.unified() != null && !r.unified().isEmpty(), "unified");
    return cpu(memory(pidsAndIo(l, r), r.memory()), r.cpu());
  }

  /** The subset `update` may change (devices stay as created). */
  static CgroupLimits updates(OciConfig.Resources r) {
    CgroupLimits l = CgroupLimits.none();
    return r == null ? l : cpu(memory(pidsAndIo(l, r), r.memory()), r.cpu());
  }

  private static CgroupLimits pidsAndIo(CgroupLimits l, OciConfig.Resources r) {
    if (r.pids() != null && r.pids().limit() != null) {
      long p = r.pids().limit();
      l = l.withPidsMax(p <= 0 ? CgroupLimits.UNLIMITED : p);
    }
    OciConfig.BlockIo io = r.blockIO();
    if (io != null) {
      refuse(io.leafWeight() != null, "blockIO.leafWeight");
      refuse(io.weightDevice() != null && !io.weightDevice().isEmpty(), "blockIO.weightDevice");
      refuse(nonEmpty(io.throttleReadIOPSDevice()), "blockIO.throttleReadIOPSDevice");
      refuse(nonEmpty(io.throttleWriteIOPSDevice()), "blockIO.throttleWriteIOPSDevice");
      if (io.weight() != null) {
        // v1 blkio.weight 10..1000 onto the v2 io.weight scale 1..10000 (100 = 100).
        int w = io.weight();
        if (w < 10 || w > 1000) {
          throw new OciException("blockIO.weight " + w + " is out of range 10..1000");
        }
        l = l.withIoWeight((int) (1 + (w - 10) * 9999L / 990));
      }
      l = l.withIoReadBps(rates(io.throttleReadBpsDevice()));
      l = l.withIoWriteBps(rates(io.throttleWriteBpsDevice()));
    }
    return l;
  }

  private static CgroupLimits memory(CgroupLimits l, OciConfig.Memory m) {
    if (m == null) {
      return l;
    }
    if (m.kernel() != null) {
      // runtime-spec: NOT RECOMMENDED; Linux 5.4 deprecated the knob and later kernels accept
      // the write but enforce nothing, so ignore it (as runc does) and say so.
      System.getLogger("jvs-oci")
          .log(
              System.Logger.Level.WARNING,
              "linux.resources.memory.kernel is ignored: kernel memory limits are deprecated");
    }
    refuse(m.checkBeforeUpdate() != null, "memory.checkBeforeUpdate");
    if (m.limit() != null) {
      l = l.withMemoryMax(m.limit() <= 0 ? CgroupLimits.UNLIMITED : m.limit());
    }
    if (m.swap() != null) {
      // OCI's swap is memory+swap together; jvs's is the swap beyond memory.
      if (m.swap() <= 0) {
        l = l.withMemorySwapMax(CgroupLimits.UNLIMITED);
      } else if (m.limit() == null || m.limit() <= 0 || m.swap() < m.limit()) {
        throw new OciException("memory.swap must be at least memory.limit");
      } else {
        l = l.withMemorySwapMax(m.swap() - m.limit());
      }
    }
    return l;
  }

  private static CgroupLimits cpu(CgroupLimits l, OciConfig.Cpu c) {
    if (c == null) {
      return l;
    }
    refuse(c.burst() != null, "cpu.burst");
    refuse(c.realtimeRuntime() != null && c.realtimeRuntime() != 0, "cpu.realtimeRuntime");
    refuse(c.realtimePeriod() != null && c.realtimePeriod() != 0, "cpu.realtimePeriod");
    refuse(c.idle() != null && c.idle() != 0, "cpu.idle");
    if (c.shares() != null && c.shares() != 0) {
      l = l.withCpuShares(Math.max(2, Math.min(262_144, c.shares())));
    }
    // quota and period go through tuning() as given: a percentage would round them
    if (c.cpus() != null && !c.cpus().isEmpty()) {
      l = l.withCpuCpus(c.cpus());
    }
    return l;
  }

  /**
   * The knobs CgroupLimits has no word for, exactly as config.json gives them: CFS quota and
   * period, memory nodes, the memory reservation (soft limit), swappiness, the OOM killer switch,
   * kernelTCP and huge page limits.
   */
  static CgroupTuning tuning(OciConfig.Resources r) {
    if (r == null) {
      return CgroupTuning.none();
    }
    Long period = null;
    Long quota = null;
    String mems = null;
    OciConfig.Cpu c = r.cpu();
    if (c != null) {
      period = c.period() == null || c.period() == 0 ? null : c.period();
      quota = c.quota() == null || c.quota() == 0 ? null : c.quota() < 0 ? -1L : c.quota();
      mems = c.mems() == null || c.mems().isEmpty() ? null : c.mems();
    }
    Long reservation = null;
    Long swappiness = null;
    Boolean oomKillDisable = null;
    Long kernelTcp = null;
    OciConfig.Memory m = r.memory();
    if (m != null) {
      reservation =
          m.reservation() == null
              ? null
              : m.reservation() <= 0 ? CgroupLimits.UNLIMITED : m.reservation();
      swappiness = m.swappiness();
      oomKillDisable = Boolean.TRUE.equals(m.disableOOMKiller()) ? Boolean.TRUE : null;
      kernelTcp =
          m.kernelTCP() == null
              ? null
              : m.kernelTCP() <= 0 ? CgroupLimits.UNLIMITED : m.kernelTCP();
    }
    Map<String, Long> pages = new LinkedHashMap<>();
    for (OciConfig.HugepageLimit h :
        r.hugepageLimits() == null ? List.<OciConfig.HugepageLimit>of() : r.hugepageLimits()) {
      checkPageSize(h.pageSize());
      if (h.limit() == null || h.limit() < 0) {
        throw new OciException(
            "linux.resources.hugepageLimits: " + h.pageSize() + " needs a limit in bytes");
      }
      pages.put(h.pageSize(), h.limit());
    }
    try {
      return new CgroupTuning(
          period, quota, mems, reservation, swappiness, oomKillDisable, kernelTcp, pages);
    } catch (IllegalArgumentException e) {
      throw new OciException("linux.resources: " + e.getMessage(), e);
    }
  }

  /** "2MB" must name a huge page size of this host (/sys/kernel/mm/hugepages/hugepages-2048kB). */
  private static void checkPageSize(String size) {
    Matcher m = PAGE_SIZE.matcher(size == null ? "" : size);
    if (!m.matches()) {
      throw new OciException(
          "linux.resources.hugepageLimits: invalid page size '" + size + "' (a size like 2MB)");
    }
    long kb =
        Long.parseLong(m.group(1))
            * switch (m.group(2)) {
              case "K" -> 1L;
              case "M" -> 1024L;
              default -> 1024L * 1024;
            };
    if (!Files.isDirectory(HUGEPAGES.resolve("hugepages-" + kb + "kB"))) {
      throw new OciException(
          "linux.resources.hugepageLimits: this host has no "
              + size
              + " huge pages (see "
              + HUGEPAGES
              + ")");
    }
  }

  private static List<DeviceRule> deviceRules(OciConfig.Resources r, List<OciConfig.Device> devs) {
    // The config's rules first, in their order, then runc's defaults: allow rules after a deny-all
    // commute, and the kernel lists them as written (runtime-spec: apply in the listed order).
    List<DeviceRule> allow = new ArrayList<>();
    List<OciConfig.DeviceCgroup> rules = r == null || r.devices() == null ? List.of() : r.devices();
    for (int i = 0; i < rules.size(); i++) {
      OciConfig.DeviceCgroup d = rules.get(i);
      boolean any =
          (d.type() == null || d.type().equals("a")) && d.major() == null && d.minor() == null;
      if (!Boolean.TRUE.equals(d.allow())) {
        if (any && (d.access() == null || d.access().equals("rwm"))) {
          allow.clear(); // deny everything: a fresh allow-list (the usual first rule)
          continue;
        }
        throw new OciException(
            "linux.resources.devices["
                + i
                + "]: only a deny-all rule can deny;"
                + " jvs keeps an allow-list");
      }
      char type = d.type() == null ? 'a' : d.type().charAt(0);
      long major = d.major() == null || d.major() < 0 ? DeviceRule.ANY : d.major();
      long minor = d.minor() == null || d.minor() < 0 ? DeviceRule.ANY : d.minor();
      try {
        allow.add(
            new DeviceRule(
                type,
                type == 'a' ? DeviceRule.ANY : major,
                type == 'a' ? DeviceRule.ANY : minor,
                d.access() == null ? "rwm" : d.access()));
      } catch (IllegalArgumentException e) {
        throw new OciException("linux.resources.devices[" + i + "]: " + e.getMessage(), e);
      }
    }
    for (OciConfig.Device d : devs == null ? List.<OciConfig.Device>of() : devs) {
      if (d.major() != null && d.minor() != null && d.type() != null && !d.type().equals("p")) {
        char t = d.type().equals("u") ? 'c' : d.type().charAt(0);
        allow.add(new DeviceRule(t, d.major(), d.minor(), "rwm"));
      }
    }
    allow.addAll(DEFAULT_ALLOWED);
    return allow;
  }

  private static List<DeviceRate> rates(List<OciConfig.ThrottleDevice> list) {
    if (list == null) {
      return null;
    }
    List<DeviceRate> rates = new ArrayList<>();
    for (OciConfig.ThrottleDevice t : list) {
      rates.add(new DeviceRate(t.major(), t.minor(), t.rate()));
    }
    return rates;
  }

  private static boolean nonEmpty(List<?> l) {
    return l != null && !l.isEmpty();
  }

  private static void refuse(boolean present, String field) {
    if (present) {
      throw new OciException("linux.resources." + field + " is not supported by jvs");
    }
  }
}
