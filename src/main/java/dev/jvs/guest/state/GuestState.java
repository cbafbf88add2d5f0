package dev.jvs.guest.state;

import dev.jvs.runtime.InstanceState;

/**
 * A started guest as its readers see it, from the runtime core's state.json. Start times (clock
 * ticks since boot) let jvs tell its processes from recycled pids.
 *
 * @param application whether the guest runs one command (true) or an init (false)
 */
public record GuestState(
    String name,
    long monitorPid,
    long monitorStartTime,
    long initPid,
    long initStartTime,
    long startedAtMillis,
    String cgroup,
    boolean application) {

  /** The label GuestLaunch records for an application guest. */
  public static final String APPLICATION = "application";

  static GuestState of(InstanceState s) {
    return new GuestState(
        s.id(),
        s.monitorPid(),
        s.monitorStartTime(),
        s.initPid(),
        s.initStartTime(),
        s.startedAtMillis(),
        s.cgroupPath(),
        Boolean.parseBoolean(s.labels().get(APPLICATION)));
  }
}
