package dev.jvs.guest.state;

/**
 * Runtime state of a started guest ($JVS_RUN/guests/NAME/state.json). Start times (clock ticks
 * since boot) let jvs tell its processes from recycled pids.
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
    boolean application) {}
