package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import dev.jvs.view.GuestViews;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Density: N idle busybox system guests (no network) started through {@link MemoryBench}, then,
 * with all of them up, `jvs list` and `jvs stat` timed, a new start timed against the same start on
 * the idle host, each guest's memory from its cgroup, and where the kernel's memory went.
 */
public final class DensityBench implements PaperExperiment {
  private static final GuestName PROBE = GuestName.of("dprobe");
  private static final int TIMED = 5;
  private static final List<String> TRUE = List.of("/bin/true");
  private static final List<String> NS =
      List.of("mnt", "uts", "ipc", "pid", "net", "cgroup", "user", "time");

  @Override
  public String name() {
    return "density";
  }

  @Override
  public String title() {
    return "density past the paper's 8 instances: idle system guests, start rate, memory";
  }

  @Override
  public Duration estimate(boolean quick) {
    return Duration.ofSeconds(quick ? 60 : 600);
  }

  /** Starts {@code count} guests, measures, stops and deletes them. */
  public DensityReport measure(BenchHost host, int count, Consumer<String> progress)
      throws InterruptedException {
    return measure(host, count, MemoryBench.Options.DEFAULT, progress);
  }

  /**
   * As above, with {@code options}: every guest (the timed one too) privileged when asked, and the
   * N guests started that many at a time.
   */
  public DensityReport measure(
      BenchHost host, int count, MemoryBench.Options options, Consumer<String> progress)
      throws InterruptedException {
    Guests guests = host.guests();
    guests.build(PROBE, "busybox");
    if (options.privileged()) {
      guests.set(PROBE, MemoryBench.PRIVILEGED);
    }
    Optional<ServiceTimer> service = ServiceTimer.start(host, progress);
    double[] idleStart = new double[1];
    KernelMemory[] before = new KernelMemory[1];
    int[] memcgs = {KernelMemory.memoryCgroups()};
    Map<String, Object> up = new LinkedHashMap<>();
    MemoryReport memory =
        new MemoryBench(host, progress)
            .run(
                count,
                options,
                () -> {
                  progress.accept("timing a start on the idle host");
                  idleStart[0] = medianStartMillis(guests);
                  before[0] = KernelMemory.snapshot();
                  memcgs[0] = KernelMemory.memoryCgroups();
                },
                names -> measureUp(host, names, service, up, progress));
    KernelMemory after = (KernelMemory) up.get("kernel");
    guests.delete(PROBE, false);
    service.ifPresent(ServiceTimer::close);
    int memcgsAfter = KernelMemory.memoryCgroups();
    return new DensityReport(
        memory,
        (long) up.get("cgroupMemory") / count,
        (long) up.get("cgroupKernel") < 0 ? -1 : (long) up.get("cgroupKernel") / count,
        (double) up.get("list"),
        (double) up.get("stat"),
        (double) up.get("listService"),
        (double) up.get("statService"),
        idleStart[0],
        (double) up.get("loadedStart"),
        after.fieldsSince(before[0], count),
        after.slabsSince(before[0], count, 12),
        (int) up.get("mounts"),
        (int) up.get("namespaces"),
        (int) up.get("cgroupDirs"),
        (int) up.get("superblocks"),
        memcgs[0],
        memcgsAfter);
  }

  /** Everything measured while all guests run, into {@code up} by name. */
  private static void measureUp(
      BenchHost host,
      List<GuestName> names,
      Optional<ServiceTimer> service,
      Map<String, Object> up,
      Consumer<String> progress) {
    up.put("kernel", KernelMemory.snapshot());
    progress.accept("timing list, stat and a new start with all " + names.size() + " up");
    Guests guests = host.guests();
    GuestViews views = new GuestViews(guests, host.cgroups(), Hierarchies.probe());
    up.put("list", medianMillis(() -> guests.list()));
    up.put("stat", medianMillis(() -> views.stats()));
    up.put("listService", service.map(s -> s.medianMillis("list")).orElse(Double.NaN));
    up.put("statService", service.map(s -> s.medianMillis("stat")).orElse(Double.NaN));
    up.put("loadedStart", medianStartMillis(guests));
    long memory = 0;
    long kernel = 0;
    Hierarchies hierarchies = Hierarchies.probe();
    int cgroupDirs = 0;
    for (GuestName name : names) {
      Optional<Cgroup> cg = host.cgroups().find(host.dirs().cgroupParent(), name.value());
      if (cg.isEmpty()) {
        throw new JvsException(name + ": no cgroup while running");
      }
      List<Path> dirs = hierarchies.existing(cg.get().path());
      cgroupDirs = dirs.size();
      memory += Math.max(0, cg.get().usage().memoryBytes());
      long k = kernelBytes(dirs);
      kernel = kernel < 0 || k < 0 ? -1 : kernel + k;
    }
    up.put("cgroupMemory", memory);
    up.put("cgroupKernel", kernel);
    up.put("cgroupDirs", cgroupDirs);
    long init =
        host
            .cgroups()
            .find(host.dirs().cgroupParent(), names.getFirst().value())
            .map(Cgroup::pids)
            .orElse(List.of())
            .stream()
            .findFirst()
            .orElse(-1L);
    up.put("mounts", lines(Path.of("/proc/" + init + "/mountinfo")));
    up.put("namespaces", ownNamespaces(init));
    up.put("superblocks", ownSuperblocks(init));
  }

  /** Devices (st_dev) mounted in the guest's mount namespace that the host's does not show. */
  private static int ownSuperblocks(long pid) {
    try {
      Set<String> host = devices(Path.of("/proc/self/mountinfo"));
      Set<String> guest = devices(Path.of("/proc/" + pid + "/mountinfo"));
      guest.removeAll(host);
      return guest.size();
    } catch (IOException e) {
      return -1;
    }
  }

  private static Set<String> devices(Path mountinfo) throws IOException {
    Set<String> devs = new HashSet<>();
    Files.readString(mountinfo).lines().forEach(l -> devs.add(l.split(" ")[2]));
    return devs;
  }

  /** v1 memory.kmem.usage_in_bytes, v2 memory.stat's kernel line; -1 when neither is there. */
  private static long kernelBytes(List<Path> dirs) {
    for (Path d : dirs) {
      try {
        Path kmem = d.resolve("memory.kmem.usage_in_bytes");
        if (Files.exists(kmem)) {
          return Long.parseLong(Files.readString(kmem).strip());
        }
        Path stat = d.resolve("memory.stat");
        if (Files.exists(d.resolve("memory.current")) && Files.exists(stat)) {
          return Files.readString(stat)
              .lines()
              .filter(l -> l.startsWith("kernel "))
              .mapToLong(l -> Long.parseLong(l.substring(7).strip()))
              .findFirst()
              .orElse(-1);
        }
      } catch (IOException e) {
        return -1;
      }
    }
    return -1;
  }

  private static int lines(Path file) {
    try {
      return (int) Files.readString(file).lines().count();
    } catch (IOException e) {
      return -1;
    }
  }

  private static int ownNamespaces(long pid) {
    int n = 0;
    for (String ns : NS) {
      try {
        Path mine = Path.of("/proc/self/ns/" + ns);
        Path theirs = Path.of("/proc/" + pid + "/ns/" + ns);
        if (Files.exists(mine)
            && !Files.readSymbolicLink(mine).equals(Files.readSymbolicLink(theirs))) {
          n++;
        }
      } catch (IOException e) {
        // a namespace type this kernel lacks
      }
    }
    return n;
  }

  private static double medianStartMillis(Guests guests) {
    long[] nanos = new long[TIMED];
    for (int i = -1; i < TIMED; i++) {
      long t0 = System.nanoTime();
      int code = guests.start(PROBE, TRUE, Guests.Attach.FOREGROUND, Launcher.Stdio.none());
      long t = System.nanoTime() - t0;
      if (code != 0) {
        throw new JvsException(PROBE + ": /bin/true exited " + code);
      }
      if (i >= 0) {
        nanos[i] = t; // the first start is a warm-up
      }
    }
    return Quartiles.median(nanos) / 1e6;
  }

  private static double medianMillis(Runnable call) {
    long[] nanos = new long[TIMED];
    call.run();
    for (int i = 0; i < TIMED; i++) {
      long t0 = System.nanoTime();
      call.run();
      nanos[i] = System.nanoTime() - t0;
    }
    return Quartiles.median(nanos) / 1e6;
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) throws Exception {
    DensityReport r = measure(host, quick ? 100 : 1000, progress);
    ResultTable table = new ResultTable();
    table.add("jvs", "guests", "count", 0, r.guests());
    table.add("jvs", "start_rate", "starts/s", 0, r.startsPerSecond());
    table.add(
        "jvs", "memavailable_per_guest", "KiB", 0, r.memory().memAvailableDropPerGuest() / 1024.0);
    table.add("jvs", "host_memory_per_guest", "KiB", 0, r.memory().hostMemoryPerGuest() / 1024.0);
    table.add(
        "jvs",
        "bench_jvm_growth_per_guest",
        "KiB",
        0,
        r.memory().benchOwnGrowthPerGuest() / 1024.0);
    table.add("jvs", "held_per_guest", "KiB", 0, r.memory().heldPerGuest() / 1024.0);
    table.add("jvs", "cgroup_memory_per_guest", "KiB", 0, r.cgroupMemoryPerGuest() / 1024.0);
    table.add("jvs", "cgroup_kernel_per_guest", "KiB", 0, r.cgroupKernelPerGuest() / 1024.0);
    table.add("jvs", "pss_per_guest", "KiB", 0, r.memory().pssPerGuest() / 1024.0);
    table.add("jvs", "list_all_up", "ms", 0, r.listMillis());
    table.add("jvs", "stat_all_up", "ms", 0, r.statMillis());
    table.add("jvs", "list_all_up_service", "ms", 0, r.listServiceMillis());
    table.add("jvs", "stat_all_up_service", "ms", 0, r.statServiceMillis());
    table.add("jvs", "start_idle_host", "ms", 0, r.idleStartMillis());
    table.add("jvs", "start_all_up", "ms", 0, r.loadedStartMillis());
    r.kernelFields()
        .forEach(g -> table.add("jvs", "meminfo_" + g.name(), "B/guest", 0, g.bytesPerGuest()));
    r.slabs().forEach(g -> table.add("jvs", "slab_" + g.name(), "B/guest", 0, g.bytesPerGuest()));

    List<Claim> claims = new ArrayList<>();
    int n = r.guests();
    claims.add(
        fact(
            "start rate, " + n + " guests",
            "at least 100 starts/s (issue 18's goal)",
            r.startsPerSecond(),
            100,
            true,
            "starts/s"));
    claims.add(
        fact(
            "host memory per guest (MemAvailable, without the bench JVM's garbage), "
                + n
                + " guests",
            "at most 512 KiB (issue 18's goal)",
            memAvailableKib(r),
            512,
            false,
            "KiB"));
    claims.add(
        fact(
            "host memory per guest held (unreclaimable kernel memory + Pss)",
            "at most 512 KiB (issue 18's goal)",
            r.memory().heldPerGuest() / 1024.0,
            512,
            false,
            "KiB"));
    claims.add(
        fact(
            "memory cgroup usage per guest",
            "at most 512 KiB (issue 18's goal)",
            r.cgroupMemoryPerGuest() / 1024.0,
            512,
            false,
            "KiB"));
    claims.add(
        fact(
            "Guests.list() with all up (in-process)",
            "within 200 ms (issue 18's goal)",
            r.listMillis(),
            200,
            false,
            "ms"));
    claims.add(
        fact(
            "jvs stat view with all up (in-process)",
            "within 200 ms (issue 18's goal)",
            r.statMillis(),
            200,
            false,
            "ms"));
    if (Double.isFinite(r.listServiceMillis())) {
      claims.add(
          fact(
              "jvs list with all up (client -> jvs serve)",
              "within 200 ms (issue 18's goal)",
              r.listServiceMillis(),
              200,
              false,
              "ms"));
      claims.add(
          fact(
              "jvs stat with all up (client -> jvs serve)",
              "within 200 ms (issue 18's goal)",
              r.statServiceMillis(),
              200,
              false,
              "ms"));
    }
    claims.add(
        fact(
            "new start with all up / on the idle host",
            "within 2x (issue 18's goal)",
            r.loadedStartMillis() / r.idleStartMillis(),
            2,
            false,
            "x"));

    List<String> categories = new ArrayList<>();
    List<Double> kib = new ArrayList<>();
    for (KernelMemory.Growth g : r.kernelFields()) {
      categories.add("meminfo " + g.name());
      kib.add(g.bytesPerGuest() / 1024.0);
    }
    for (KernelMemory.Growth g : r.slabs()) {
      categories.add("slab " + g.name());
      kib.add(g.bytesPerGuest() / 1024.0);
    }
    BarChart chart =
        new BarChart(
            "Kernel memory per idle guest ("
                + n
                + " guests): meminfo fields and the slab caches that grew most",
            "KiB per guest",
            categories,
            List.of("jvs"),
            new double[][] {kib.stream().mapToDouble(Double::doubleValue).toArray()},
            null,
            null,
            Double.NaN);
    List<String> notes = new ArrayList<>();
    notes.add(
        String.format(
            "%d guests started in %.1f s in-process (%.0f starts/s)",
            n, r.startAll().toMillis() / 1000.0, r.startsPerSecond()));
    notes.add(
        String.format(
            "a fresh /bin/true guest: %.1f ms on the idle host, %.1f ms with all %d up",
            r.idleStartMillis(), r.loadedStartMillis(), n));
    notes.add(
        String.format(
            "Pss of monitor + guest processes: %d KiB per guest; memory cgroup kernel part (kmem): %s",
            r.memory().pssPerGuest() / 1024,
            r.cgroupKernelPerGuest() < 0
                ? "not accounted here"
                : (r.cgroupKernelPerGuest() / 1024) + " KiB per guest"));
    notes.add(
        String.format(
            "each guest has %d mounts in its mount namespace (%d superblocks of its own), %d namespaces of its own and %d cgroup directories (one per hierarchy)",
            r.mountsPerGuest(),
            r.superblocksPerGuest(),
            r.namespacesPerGuest(),
            r.cgroupDirsPerGuest()));
    notes.add(
        String.format(
            "memory cgroups on the host (dying ones included): %d before the start, %d after all were deleted",
            r.memoryCgroupsBefore(), r.memoryCgroupsAfter()));
    if (!Double.isFinite(r.listServiceMillis())) {
      notes.add(
          "jvs list / jvs stat through the service were not timed (not running from the jar with jvs-client beside jvs-init)");
    }
    return new Output(table, claims, Map.of("density-kernel", chart), notes);
  }

  /**
   * A guest's host memory by MemAvailable's drop, NaN when it rose: others on the host freed more
   * than the guests took, and the figure says nothing about the guests.
   */
  private static double memAvailableKib(DensityReport r) {
    long drop = r.memory().hostMemoryPerGuest();
    return drop < 0 ? Double.NaN : drop / 1024.0;
  }

  private Claim fact(
      String row, String claim, double value, double goal, boolean higher, String unit) {
    return new Claim(name(), row, claim, value, Double.NaN, Double.NaN, goal, higher, unit);
  }
}
