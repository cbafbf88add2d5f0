package dev.jvs.guest;

import java.time.Duration;

/**
 * A running guest as `jvs stat` and `jvs top` need it: what its state.json records, without its
 * guest.conf or cgroup counters (the views read those they show themselves).
 *
 * @param initPid host pid of the guest's first process
 * @param cgroup its cgroup path below the hierarchy roots, e.g. "/jvs/web1"
 */
public record RunningGuest(String name, long initPid, Duration uptime, String cgroup) {}
