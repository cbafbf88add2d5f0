package dev.jvs.guest.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * The resource keys of `jvs set` (DESIGN 5). Each validates its value; keys whose enforcement
 * belongs to a later component say so instead of being accepted and silently ignored.
 */
public enum ResourceKey {
  CPU_SHARE("cpu.share", "fair-share weight 2..262144 (default 1024)"),
  CPU_LIMIT("cpu.limit", "hard cap in % of one CPU, e.g. 50 or 150"),
  CPU_BURST(
      "cpu.burst",
      "CPU a capped guest may save while idle and spend above cpu.limit in one"
          + " 100 ms period, in % of one CPU, at most cpu.limit"),
  CPU_CPUS("cpu.cpus", "CPUs the guest may run on, e.g. 0-1,3"),
  CPU_RESERVE("cpu.reserve", "guaranteed minimum in % of one CPU, e.g. 25 (held by jvs serve)"),
  MEMORY_RSS("memory.rss", "resident memory limit, e.g. 256M"),
  MEMORY_ANON("memory.anon", "anonymous-memory limit, e.g. 128M (enforced by jvs serve)"),
  MEMORY_MEMLOCK("memory.memlock", "locked-memory limit (RLIMIT_MEMLOCK), e.g. 16M"),
  MEMORY_SWAP("memory.swap", "swap allowed beyond memory.rss, e.g. 0 or 1G"),
  PIDS_MAX("pids.max", "maximum number of processes and threads"),
  DISK_SPACE("disk.space", "size of the guest's private layer (own ext4 image), e.g. 2G; min 16M"),
  IO_WEIGHT("io.weight", "I/O weight 1..10000"),
  IO_RBPS("io.rbps", "read limit DEVICE:RATE, e.g. /dev/vda:10M"),
  IO_WBPS("io.wbps", "write limit DEVICE:RATE, e.g. /dev/vda:10M"),
  NET_RATE("net.rate", "guaranteed egress of a bridge guest, e.g. 20mbit"),
  NET_CEIL("net.ceil", "egress cap of a bridge guest, e.g. 100mbit"),
  NET_MODE("net.mode", "none (default), host, bridge or host-ip"),
  NET_IP("net.ip", "the guest's IPv4 address (bridge: optional; host-ip: required)"),
  NET_PUBLISH("net.publish", "host ports forwarded to a bridge guest, e.g. 8080:80/tcp"),
  NET_ISOLATE("net.isolate", "true: no traffic to other guests on the bridge"),
  MEMORY_RESET("memory.reset", "what the overbooking watchdog does to this guest: stop or restart"),
  CONSOLE_SIZE("console.size", "size of console.log before it is rotated, e.g. 1M (default 1M)"),
  CONSOLE_FILES(
      "console.files", "console log files kept, console.log included, 1..100 (default 2)");

  private final String key;
  private final String help;

  ResourceKey(String key, String help) {
    this.key = key;
    this.help = help;
  }

  public String key() {
    return key;
  }

  /** What the value means, or null while the key is not enforced yet. */
  public String help() {
    return help;
  }

  public boolean supported() {
    return help != null;
  }

  public static Optional<ResourceKey> find(String key) {
    return Arrays.stream(values()).filter(k -> k.key.equals(key)).findFirst();
  }
}
