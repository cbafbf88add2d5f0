package dev.jvs.sched;

import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.kernel.Pidfd;
import dev.jvs.kernel.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Enforces memory.anon. Neither cgroup version limits anonymous memory alone (v1's and v2's memory
 * limits charge page cache too), so the service reads the guest's anonymous memory every tick and,
 * above the limit, SIGKILLs the guest's process holding the most anonymous memory (RssAnon in
 * /proc/PID/status): a guest-local OOM kill by the guest's own rule. memory.rss stays the
 * kernel-enforced ceiling between ticks.
 */
final class AnonLimit {
  private final Hierarchies hierarchies;

  AnonLimit(Hierarchies hierarchies) {
    this.hierarchies = hierarchies;
  }

  /** Kills one process of the guest if it is over its limit; returns what it did. */
  Optional<String> enforce(String guest, Cgroup cgroup, long limitBytes) {
    long anon = hierarchies.anonBytes(cgroup.path());
    if (anon <= limitBytes) {
      return Optional.empty();
    }
    long victim = -1;
    long most = -1;
    for (long pid : cgroup.pids()) {
      long a = rssAnon(pid);
      if (a > most) {
        most = a;
        victim = pid;
      }
    }
    if (victim < 0) {
      return Optional.empty();
    }
    try (Pidfd p = Pidfd.open(victim).orElse(null)) {
      if (p == null || !p.signal(Signal.SIGKILL)) {
        return Optional.empty();
      }
    }
    return Optional.of(
        String.format(
            "memory.anon: %s uses %s of anonymous memory, above its limit %s: killed pid %d (%s, %s)",
            guest,
            Watchdog.mib(anon),
            Watchdog.mib(limitBytes),
            victim,
            comm(victim),
            Watchdog.mib(most)));
  }

  private static long rssAnon(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("RssAnon:")) {
          return Long.parseLong(line.substring(8).strip().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // exited meanwhile
    }
    return 0;
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    } catch (IOException e) {
      return "?";
    }
  }
}
