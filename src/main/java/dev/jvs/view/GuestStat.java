package dev.jvs.view;

import java.time.Duration;

/**
 * One line of `jvs stat` (vserver-stat).
 *
 * @param ctx the host pid of the guest's init (the guest's context, as VServer's xid)
 * @param cpuNanos total CPU time, for `jvs top`'s rates; -1 when not read ({@link
 *     GuestViews#stats()}) or unknown
 * @param memoryBytes the memory cgroup's usage, for `jvs top`; -1 when not read or unknown
 */
public record GuestStat(
    String name,
    long ctx,
    int processes,
    long vszBytes,
    long rssBytes,
    long userNanos,
    long systemNanos,
    long cpuNanos,
    long memoryBytes,
    Duration uptime) {}
