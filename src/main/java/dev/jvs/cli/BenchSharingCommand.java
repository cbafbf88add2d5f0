package dev.jvs.cli;

import dev.jvs.bench.SharingBench;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench sharing`: what template sharing saves in disk and memory. */
@Command(
    name = "sharing",
    description = {
      "What template sharing saves: disk per guest, memory of N guests.",
      "Disk added by the Nth guest of one template, and host memory for N guests running the same"
          + " program from one template vs from N separate copies. Drops the host's page cache"
          + " before each half. Needs root; leaves nothing behind."
    })
final class BenchSharingCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--guests", defaultValue = "50", description = "guests per half")
  int guests;

  @Option(
      names = "--unprivileged",
      description = "run the guests with security.privileged=false (idmapped template)")
  boolean unprivileged;

  @Override
  public Integer call() throws Exception {
    if (guests < 2) {
      throw new IllegalArgumentException("--guests must be at least 2");
    }
    Consumer<String> progress = BenchCommand.progress(spec, "bench: ");
    BenchCommand.Measured<SharingBench.Report> measured =
        BenchCommand.measure(host -> new SharingBench(host, progress).run(guests, unprivileged));
    SharingBench.Report r = measured.result();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "Disk: busybox template %s; guest %d of it adds %s  (ratio %.4f of a full copy)%n",
        Format.bytes(r.templateBytes()),
        r.guests(),
        Format.bytes(r.nthGuestBytes()),
        (double) r.nthGuestBytes() / r.templateBytes());
    out.printf("Memory of %d running busybox system guests:%n", r.guests());
    out.printf("  %-40s %14s %14s %8s%n", "", "one template", "separate copies", "ratio");
    row(
        out,
        "memory cgroups (incl. page cache)",
        r.shared().cgroupBytes(),
        r.separate().cgroupBytes());
    row(out, "Pss of guest processes", r.shared().pssBytes(), r.separate().pssBytes());
    row(
        out,
        "host page cache growth (Cached:)",
        r.shared().cacheGrowth(),
        r.separate().cacheGrowth());
    out.println(
        "note: ratio = separate copies / one template; the host's page cache also grows"
            + " with anything else it does meanwhile");
    out.flush();
    return measured.exitAfterPrinting();
  }

  private static void row(PrintWriter out, String label, long shared, long separate) {
    out.printf(
        "  %-40s %14s %14s %7.2fx%n",
        label,
        Format.bytes(shared),
        Format.bytes(separate),
        shared <= 0 ? Double.NaN : (double) separate / shared);
  }
}
