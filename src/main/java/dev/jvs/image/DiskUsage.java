package dev.jvs.image;

/** Used and total bytes of a guest's disk.space filesystem. */
public record DiskUsage(long used, long size) {}
