package dev.jvs.cli;

import dev.jvs.bench.DensityBench;
import dev.jvs.bench.DensityReport;
import dev.jvs.bench.KernelMemory;
import dev.jvs.bench.MemoryBench;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `jvs bench density`: how many idle guests the host holds, how fast they start, what each costs.
 */
@Command(
    name = "density",
    description = {
      "Start rate and memory per guest of N idle system guests.",
      "Starts N busybox system guests (no network) in-process and prints the start rate and the"
          + " host memory per guest (MemAvailable and cgroup accounting); with all up, times"
          + " `jvs list`, `jvs stat` and a new start against the idle host's; then where each"
          + " guest's kernel memory went. Stops and deletes everything. Needs root."
    })
final class BenchDensityCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--guests", defaultValue = "1000", description = "idle guests (default 1000)")
  int guests;

  @Option(
      names = "--privileged",
      description =
          "privileged guests (security.privileged=true: no user namespace or idmapped"
              + " mounts), to compare with the default unprivileged ones")
  boolean privileged;

  @Option(
      names = "--parallel",
      defaultValue = "0",
      description = "starts at once (default 0: one per CPU; 1: one after another)")
  int parallel;

  @Override
  public Integer call() throws Exception {
    if (guests < 1) {
      throw new IllegalArgumentException("--guests must be at least 1");
    }
    if (parallel < 0) {
      throw new IllegalArgumentException("--parallel must be at least 1 (or 0: one per CPU)");
    }
    int atOnce = parallel == 0 ? MemoryBench.Options.oneStartPerCpu() : parallel;
    BenchCommand.Measured<DensityReport> measured =
        BenchCommand.measure(
            host ->
                new DensityBench()
                    .measure(
                        host,
                        guests,
                        new MemoryBench.Options(privileged, atOnce),
                        BenchCommand.progress(spec, "bench: ")));
    DensityReport r = measured.result();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "guests: %d %s busybox system guests, no network%n",
        r.guests(), privileged ? "privileged" : "unprivileged");
    out.printf(
        "rate: %.0f starts/s (%.1f s for all, in-process, %s)%n",
        r.startsPerSecond(),
        r.startAll().toMillis() / 1000.0,
        atOnce == 1 ? "one after another" : atOnce + " at a time");
    out.printf(
        "memory per guest: %d KiB (MemAvailable drop / guests, without the %d KiB a guest that"
            + " the bench's own JVM grew by beyond its live heap; %d KiB with it)%n",
        r.memory().hostMemoryPerGuest() / 1024,
        r.memory().benchOwnGrowthPerGuest() / 1024,
        r.memory().memAvailableDropPerGuest() / 1024);
    out.printf(
        "memory per guest: %d KiB held (unreclaimable kernel memory growth + Pss; steadier than"
            + " MemAvailable)%n",
        r.memory().heldPerGuest() / 1024);
    out.printf(
        "memory per guest: %d KiB (memory cgroup usage), of which kernel %s%n",
        r.cgroupMemoryPerGuest() / 1024,
        r.cgroupKernelPerGuest() < 0 ? "not accounted" : r.cgroupKernelPerGuest() / 1024 + " KiB");
    out.printf(
        "memory per guest: %d KiB (Pss of monitor + guest processes)%n",
        r.memory().pssPerGuest() / 1024);
    out.printf(
        "list with all up: %.1f ms in-process, %s through the service%n",
        r.listMillis(), ms(r.listServiceMillis()));
    out.printf(
        "stat with all up: %.1f ms in-process, %s through the service%n",
        r.statMillis(), ms(r.statServiceMillis()));
    out.printf(
        "new start (/bin/true): %.1f ms with all up, %.1f ms on the idle host (%.2fx)%n",
        r.loadedStartMillis(), r.idleStartMillis(), r.loadedStartMillis() / r.idleStartMillis());
    out.printf(
        "per guest: %d mounts (%d superblocks of its own), %d namespaces of its own, %d cgroup"
            + " directories%n",
        r.mountsPerGuest(),
        r.superblocksPerGuest(),
        r.namespacesPerGuest(),
        r.cgroupDirsPerGuest());
    out.printf(
        "memory cgroups on the host, dying ones included: %d before, %d after all were deleted%n",
        r.memoryCgroupsBefore(), r.memoryCgroupsAfter());
    out.println("kernel memory per guest (growth of /proc/meminfo fields and slab caches):");
    for (KernelMemory.Growth g : r.kernelFields()) {
      out.printf("  meminfo %-28s %8.1f KiB%n", g.name(), g.bytesPerGuest() / 1024.0);
    }
    for (KernelMemory.Growth g : r.slabs()) {
      out.printf("  slab    %-28s %8.1f KiB%n", g.name(), g.bytesPerGuest() / 1024.0);
    }
    out.println("cleanup: all guests stopped and deleted, nothing left on the host");
    out.flush();
    return measured.exitAfterPrinting();
  }

  private static String ms(double v) {
    return Double.isFinite(v) ? String.format("%.1f ms", v) : "not measured";
  }
}
