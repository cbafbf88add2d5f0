package dev.jvs.sched;

/**
 * One running guest as the overbooking watchdog sees it.
 *
 * @param guest the guest's name
 * @param usageBytes memory charged to its cgroup now
 * @param restart whether its policy (memory.reset) is to restart rather than stop it
 */
public record GuestMemory(String guest, long usageBytes, boolean restart) {}
