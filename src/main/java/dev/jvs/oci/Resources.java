package dev.jvs.oci;

import dev.jvs.cgroup.CgroupLimits;
import dev.jvs.cgroup.DeviceRate;
import dev.jvs.cgroup.DeviceRule;
import java.util.ArrayList;
import java.util.List;

/** linux.resources → CgroupLimits; a field jvs cannot honour is an error, never ignored. */
final class Resources {
  /** What runc allows every container besides its config's list (the runtime-spec defaults). */
  private static final List<DeviceRule> DEFAULT_ALLOWED =
      List.of(
          new DeviceRule('c', DeviceRule.ANY, DeviceRule.ANY, "m"),
          new DeviceRule('b', DeviceRule.ANY, DeviceRule.ANY, "m"),
          DeviceRule.chr(1, 3), DeviceRule.chr(1, 5), DeviceRule.chr(1, 7), DeviceRule.chr(1, 8),
          DeviceRule.chr(1, 9), DeviceRule.chr(5, 0), DeviceRule.chr(5, 1), DeviceRule.chr(5, 2),
          DeviceRule.chr(136, DeviceRule.ANY));

  private Resources() {}

  static CgroupLimits limits(OciConfig.Resources r, List<OciConfig.Device> devices) {
    CgroupLimits l = CgroupLimits.none().withDevices(deviceRules(r, devices));
    if (r == null) {
      return l;
    }
    refuse(r.hugepageLimits() != null && !r.hugepageLimits().isEmpty(), "hugepageLimits");
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
    refuse(m.reservation() != null, "memory.reservation");
    refuse(m.kernel() != null, "memory.kernel");
    refuse(m.kernelTCP() != null, "memory.kernelTCP");
    refuse(m.swappiness() != null, "memory.swappiness");
    refuse(Boolean.TRUE.equals(m.disableOOMKiller()), "memory.disableOOMKiller");
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
    refuse(c.mems() != null && !c.mems().isEmpty(), "cpu.mems");
    refuse(c.idle() != null && c.idle() != 0, "cpu.idle");
    if (c.shares() != null && c.shares() != 0) {
      l = l.withCpuShares(Math.max(2, Math.min(262_144, c.shares())));
    }
    if (c.quota() != null) {
      long period = c.period() == null || c.period() == 0 ? 100_000 : c.period();
      l = l.withCpuLimitPercent(c.quota() <= 0 ? 0 : (int) Math.max(1, c.quota() * 100 / period));
    }
    if (c.cpus() != null && !c.cpus().isEmpty()) {
      l = l.withCpuCpus(c.cpus());
    }
    return l;
  }

  private static List<DeviceRule> deviceRules(OciConfig.Resources r, List<OciConfig.Device> devs) {
    List<DeviceRule> allow = new ArrayList<>(DEFAULT_ALLOWED);
    List<OciConfig.DeviceCgroup> rules = r == null || r.devices() == null ? List.of() : r.devices();
    for (int i = 0; i < rules.size(); i++) {
      OciConfig.DeviceCgroup d = rules.get(i);
      boolean any = (d.type() == null || d.type().equals("a")) && d.major() == null && d.minor() == null;
      if (!Boolean.TRUE.equals(d.allow())) {
        if (any && (d.access() == null || d.access().equals("rwm"))) {
          allow.clear(); // deny everything: a fresh allow-list (the usual first rule)
          allow.addAll(DEFAULT_ALLOWED);
          continue;
        }
        throw new OciException("linux.resources.devices[" + i + "]: only a deny-all rule can deny;"
            + " jvs keeps an allow-list");
      }
      char type = d.type() == null ? 'a' : d.type().charAt(0);
      long major = d.major() == null || d.major() < 0 ? DeviceRule.ANY : d.major();
      long minor = d.minor() == null || d.minor() < 0 ? DeviceRule.ANY : d.minor();
      try {
        allow.add(new DeviceRule(type, type == 'a' ? DeviceRule.ANY : major,
            type == 'a' ? DeviceRule.ANY : minor, d.access() == null ? "rwm" : d.access()));
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
