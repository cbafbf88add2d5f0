package dev.jvs.guest.config;

import dev.jvs.net.NetConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Validates and normalizes resource values (DESIGN 5), given the host's CPU count. */
public final class ResourceValidator {
  private final int hostCpus;

  public ResourceValidator(int hostCpus) {
    this.hostCpus = hostCpus;
  }

  public static ResourceValidator forThisHost() {
    return new ResourceValidator(Runtime.getRuntime().availableProcessors());
  }

  /** Returns the value as stored in guest.conf, or throws with a reason. */
  public String validate(ResourceKey key, String value) {
    if (!key.supported()) {
      throw new IllegalArgumentException(
          "not supported yet (its enforcement belongs to a later jvs component)");
    }
    String v = value.strip();
    switch (key) {
      case CPU_SHARE -> Values.integer(v, 2, 262144);
      case CPU_LIMIT -> Values.percent(v, 1, 100 * hostCpus);
      case CPU_BURST -> Values.percent(v, 0, 100 * hostCpus);
      case CPU_CPUS -> Values.cpuList(v, hostCpus);
      case CPU_RESERVE -> Values.percent(v, 1, 100 * hostCpus);
      case MEMORY_RESET -> {
        if (!v.equals("stop") && !v.equals("restart")) {
          throw new IllegalArgumentException("expected stop or restart, found '" + v + "'");
        }
      }
      case MEMORY_RSS, MEMORY_MEMLOCK, MEMORY_ANON -> {
        if (Values.size(v) < 1) {
          throw new IllegalArgumentException("must be more than 0");
        }
      }
      case MEMORY_SWAP -> Values.size(v);
      case DISK_SPACE -> {
        if (Values.size(v) < 16L << 20) {
          throw new IllegalArgumentException("must be at least 16M (ext4 needs room for itself)");
        }
      }
      case PIDS_MAX -> Values.integer(v, 1, 4194304);
      case CONSOLE_SIZE -> {
        if (Values.size(v) < 4096) {
          throw new IllegalArgumentException("must be at least 4K");
        }
      }
      case CONSOLE_FILES -> Values.integer(v, 1, 100);
      case IO_WEIGHT -> Values.integer(v, 1, 10000);
      case IO_RBPS, IO_WBPS -> {
        for (String part : v.split(",")) {
          deviceRate(part.strip());
        }
      }
      case NET_RATE, NET_CEIL, NET_MODE, NET_IP, NET_PUBLISH, NET_ISOLATE ->
          NetConfig.validate(key.key(), v);
      default -> throw new IllegalArgumentException("not supported yet");
    }
    return v;
  }

  /** Checks that only make sense across keys. */
  public void validateTogether(Map<String, String> values) {
    if (values.containsKey("memory.swap") && !values.containsKey("memory.rss")) {
      throw new IllegalArgumentException("memory.swap needs memory.rss to be set");
    }
    NetConfig.from(values);
    String anon = values.get("memory.anon");
    String rss = values.get("memory.rss");
    if (anon != null && rss != null && Values.size(anon) > Values.size(rss)) {
      throw new IllegalArgumentException(
          "memory.anon ("
              + anon
              + ") above memory.rss ("
              + rss
              + ") is meaningless: anonymous"
              + " memory is part of resident memory");
    }
    String burst = values.get("cpu.burst");
    if (burst != null) {
      String limit = values.get("cpu.limit");
      if (limit == null) {
        throw new IllegalArgumentException(
            "cpu.burst needs cpu.limit: only a capped guest has a bucket to save into");
      }
      if (Values.percent(burst, 0, Integer.MAX_VALUE)
          > Values.percent(limit, 0, Integer.MAX_VALUE)) {
        throw new IllegalArgumentException(
            "cpu.burst ("
                + burst
                + ") above cpu.limit ("
                + limit
                + "): the kernel allows a burst"
                + " of at most one period's quota");
      }
    }
    String reserve = values.get("cpu.reserve");
    if (reserve != null) {
      int r = Values.percent(reserve, 1, Integer.MAX_VALUE);
      String limit = values.get("cpu.limit");
      if (limit != null && Values.percent(limit, 0, Integer.MAX_VALUE) < r) {
        throw new IllegalArgumentException(
            "cpu.reserve (" + reserve + ") above cpu.limit (" + limit + ") cannot be held");
      }
      String cpus = values.get("cpu.cpus");
      if (cpus != null && r > 100 * Values.cpuCount(cpus)) {
        throw new IllegalArgumentException(
            "cpu.reserve ("
                + reserve
                + ") above what cpu.cpus "
                + cpus
                + " can give ("
                + 100 * Values.cpuCount(cpus)
                + "%)");
      }
    }
  }

  /** "DEVICE:RATE" where DEVICE is a block device path: returns {major, minor, bytes/s}. */
  public static long[] deviceRate(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "malformed rate '" + value + "' (expected DEVICE:RATE, e.g. /dev/vda:10M)");
    }
    Path device = Path.of(value.substring(0, colon));
    long rate = Values.size(value.substring(colon + 1));
    try {
      if (!"block".equals(fileType(device))) {
        throw new IllegalArgumentException(device + " is not a block device");
      }
      long rdev = ((Number) Files.getAttribute(device, "unix:rdev")).longValue();
      long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
      long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
      return new long[] {major, minor, rate};
    } catch (IOException e) {
      throw new IllegalArgumentException("no device " + device);
    }
  }

  private static String fileType(Path p) throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode");
    return (mode & 0170000) == 0060000 ? "block" : "other";
  }
}
