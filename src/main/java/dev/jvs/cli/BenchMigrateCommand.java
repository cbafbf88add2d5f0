package dev.jvs.cli;

import dev.jvs.migrate.MigrationBench;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench migrate`: live migration against stop-copy-restart (docs/migration.md). */
@Command(
    name = "migrate",
    description = {
      "Migrate a guest holding a working set between two jvs hosts on this machine.",
      "Two services, each in a network namespace of its own linked by a veth pair; a busybox"
          + " guest whose process holds --mib MiB moves with jvs migrate, post-copy a to b (and"
          + " back and to b again: 'warm', each service having migrated once before), and"
          + " --stop-copy back (total time and 'downtime: N ms', freeze to resume, of each), then"
          + " a to b by stop-copy-restart (stop, copy the private layer, start, rebuild the"
          + " working set). Needs root and criu."
    })
final class BenchMigrateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--mib", defaultValue = "256", description = "working set in MiB (default 256)")
  int mib;

  @Option(names = "--quick", description = "a 32 MiB working set")
  boolean quick;

  @Option(
      names = "--unprivileged",
      description =
          "an unprivileged guest (jvs's default) instead of a privileged one; its post-copy needs"
              + " vm.unprivileged_userfaultfd=1")
  boolean unprivileged;

  @Override
  public Integer call() {
    int size = quick ? 32 : mib;
    if (size < 1) {
      throw new IllegalArgumentException("--mib must be at least 1");
    }
    MigrationBench.Figures f =
        new MigrationBench()
            .measure(
                Runtime.initBinary(System.getenv()),
                size,
                unprivileged,
                BenchCommand.progress(spec, "bench: "));
    PrintWriter out = spec.commandLine().getOut();
    MigrationBench.Migrated post = f.postCopy();
    MigrationBench.Migrated warm = f.postCopyWarm();
    MigrationBench.Migrated stop = f.stopCopy();
    out.printf(
        "working set: %d MiB asked, %d MiB in the guest's memory cgroup; images sent: post-copy"
            + " %d KiB, stop-copy %d MiB%n",
        size, f.workingSetBytes() >> 20, post.imagesBytes() >> 10, stop.imagesBytes() >> 20);
    String row = "%-24s %10s %15s %10s %18s%n";
    out.printf(row, "", "post-copy", "post-copy warm", "stop-copy", "stop-copy-restart");
    out.printf(row, "total (ms)", post.total(), warm.total(), stop.total(), f.stopCopyRestart());
    out.printf(
        row,
        "downtime (ms)",
        post.downtime(),
        warm.downtime(),
        stop.downtime(),
        f.stopCopyRestart());
    out.printf(row, "working set kept", "yes", "yes", "yes", "no (rebuilt)");
    for (var m :
        List.of(
            Map.entry("post-copy", post),
            Map.entry("post-copy warm", warm),
            Map.entry("stop-copy", stop))) {
      out.printf(
          "%s: before the freeze %d ms (not downtime), dump %d ms, transfer %d ms, restore"
              + " %d ms, memory after resume %d ms%n",
          m.getKey(),
          m.getValue().beforeFreeze(),
          m.getValue().dump(),
          m.getValue().transfer(),
          m.getValue().restore(),
          m.getValue().memoryAfterResume());
      if (!m.getValue().restoreThere().isEmpty()) {
        out.printf("  its restore there: %s%n", m.getValue().restoreThere());
      }
    }
    out.printf(
        "stop-copy-restart: stop %d ms, copy %d ms, start %d ms, working set rebuilt %d ms%n",
        f.stop(), f.copy(), f.start(), f.rebuild());
    out.printf("downtime: %d ms (post-copy)%n", post.downtime());
    out.printf("downtime: %d ms (post-copy, both services warmed)%n", warm.downtime());
    out.printf("downtime: %d ms (stop-copy)%n", stop.downtime());
    out.flush();
    return 0;
  }
}
