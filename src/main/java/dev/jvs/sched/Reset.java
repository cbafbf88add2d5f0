package dev.jvs.sched;

/**
 * The watchdog's decision: reset {@code guest} (stop it, or restart it when {@code restart}), with
 * the reason it logs.
 */
public record Reset(String guest, boolean restart, String reason) {}
