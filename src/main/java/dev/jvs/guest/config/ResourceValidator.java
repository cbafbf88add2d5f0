package dev.jvs.guest.config;

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
      case CPU_CPUS -> Values.cpuList(v, hostCpus);
      case MEMORY_RSS, MEMORY_MEMLOCK -> {
        if (Values.size(v) < 1) {
          throw new IllegalArgumentException("must be more than 0");
        }
      }
      case MEMORY_SWAP -> Values.size(v);
      case PIDS_MAX -> Values.integer(v, 1, 4194304);
      case IO_WEIGHT -> Values.integer(v, 1, 10000);
      case IO_RBPS, IO_WBPS -> {
        for (String part : v.split(",")) {
          deviceRate(part.strip());
        }
      }
      default -> throw new IllegalArgumentException("not supported yet");
    }
    return v;
  }

  /** Checks that only make sense across keys. */
  public void validateTogether(Map<String, String> values) {
    if (values.containsKey("memory.swap") && !values.containsKey("memory.rss")) {
      throw new IllegalArgumentException("memory.swap needs memory.rss to be set");
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
