package dev.jvs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the kernel's own memory sits: the kernel fields of /proc/meminfo and each slab cache of
 * /proc/slabinfo (objects in use times object size: not the slabs' capacity, whose free slots left
 * by an earlier run get filled first and hide what a run allocated), in bytes. Two snapshots around
 * starting N guests say what one guest costs the kernel, cache by cache.
 */
public record KernelMemory(Map<String, Long> meminfo, Map<String, Long> slabs) {
  /** The /proc/meminfo fields that hold kernel objects rather than user pages or page cache. */
  static final List<String> FIELDS =
      List.of("SUnreclaim", "SReclaimable", "KernelStack", "PageTables", "Percpu");

  /** One line of a breakdown: what grew, by how many bytes per guest. */
  public record Growth(String name, long bytesPerGuest) {}

  static KernelMemory snapshot() {
    Map<String, Long> meminfo = new LinkedHashMap<>();
    for (String line : read("/proc/meminfo").lines().toList()) {
      String name = line.substring(0, Math.max(0, line.indexOf(':')));
      if (FIELDS.contains(name)) {
        meminfo.put(name, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
      }
    }
    Map<String, Long> slabs = new LinkedHashMap<>();
    String slabinfo = read("/proc/slabinfo");
    for (String line : slabinfo.lines().skip(2).toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 3) {
        slabs.merge(f[0], Long.parseLong(f[1]) * Long.parseLong(f[3]), Long::sum);
      }
    }
    return new KernelMemory(meminfo, slabs);
  }

  /**
   * The memory cgroups the kernel holds, dying ones (removed, still pinned by charged pages)
   * included: /proc/cgroups' num_cgroups of the memory controller; -1 without one.
   */
  static int memoryCgroups() {
    return read("/proc/cgroups")
        .lines()
        .map(l -> l.split("\\s+"))
        .filter(f -> f.length > 2 && f[0].equals("memory"))
        .mapToInt(f -> Integer.parseInt(f[2]))
        .findFirst()
        .orElse(-1);
  }

  /** The meminfo fields' growth since {@code before}, per guest, in FIELDS order. */
  List<Growth> fieldsSince(KernelMemory before, int guests) {
    List<Growth> out = new ArrayList<>();
    for (String f : FIELDS) {
      if (meminfo.containsKey(f) && before.meminfo.containsKey(f)) {
        out.add(new Growth(f, (meminfo.get(f) - before.meminfo.get(f)) / guests));
      }
    }
    return out;
  }

  /** The {@code top} slab caches that grew most since {@code before}, per guest. */
  List<Growth> slabsSince(KernelMemory before, int guests, int top) {
    Set<String> names = new HashSet<>(slabs.keySet());
    names.addAll(before.slabs.keySet());
    return names.stream()
        .map(
            n ->
                new Growth(
                    n, (slabs.getOrDefault(n, 0L) - before.slabs.getOrDefault(n, 0L)) / guests))
        .sorted(Comparator.comparingLong(Growth::bytesPerGuest).reversed())
        .limit(top)
        .toList();
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      // /proc/slabinfo is root-only; without it the breakdown has meminfo fields only.
      if (file.endsWith("slabinfo")) {
        return "";
      }
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }
}
