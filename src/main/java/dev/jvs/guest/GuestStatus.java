package dev.jvs.guest;

import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.guest.state.ExitStatus;
import java.time.Duration;
import java.util.Map;

/**
 * What `jvs list` and `jvs status` show about one guest.
 *
 * @param initPid host pid of the guest's first process, 0 when not running
 * @param usage cgroup accounting, null when not running
 * @param lastExit how the last run ended, null when unknown
 */
public record GuestStatus(
    String name,
    State state,
    long initPid,
    Duration uptime,
    String cgroup,
    Map<String, String> resources,
    CgroupUsage usage,
    ExitStatus lastExit) {

  public enum State {
    RUNNING,
    STOPPED;

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
