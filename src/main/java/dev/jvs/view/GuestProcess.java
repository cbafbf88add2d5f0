package dev.jvs.view;

/**
 * One line of `jvs ps`.
 *
 * @param pid host pid
 * @param guestPid pid inside the guest's PID namespace
 */
public record GuestProcess(
    String guest,
    long pid,
    long guestPid,
    char state,
    long rssBytes,
    long cpuTicks,
    String command) {}
