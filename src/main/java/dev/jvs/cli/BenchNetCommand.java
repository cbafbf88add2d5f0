package dev.jvs.cli;

import dev.jvs.bench.BenchHost;
import dev.jvs.bench.net.NetBench;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench net`: network throughput, RTT, plumbing time and HTB sharing (docs/networking.md). */
@Command(
    name = "net",
    description = {
      "Throughput, RTT, CPU per net.mode; bridge start time; HTB sharing.",
      "Throughput, RTT and CPU per byte of each net.mode against the host's own (iperf3 to an"
          + " outside namespace, paired rounds; unshaped and at a line rate), the start time"
          + " bridge networking adds, HTB sharing between guests. Needs root; leaves nothing"
          + " behind."
    })
final class BenchNetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--seconds", defaultValue = "5", description = "per iperf3 run")
  int seconds;

  @Option(
      names = "--rounds",
      defaultValue = "7",
      description = "paired rounds of every mode, per link")
  int rounds;

  @Option(
      names = "--link",
      defaultValue = "1000",
      description = "line rate of the second throughput table in Mbit/s, 0 for none")
  long link;

  @Option(names = "--guests", defaultValue = "3", description = "shaped guests, 2..4")
  int guests;

  @Option(names = "--runs", defaultValue = "15", description = "timed starts per mode")
  int runs;

  @Option(
      names = "--bandwidth",
      defaultValue = "1000",
      description = "HTB tree bandwidth in Mbit/s")
  long bandwidth;

  @Override
  public Integer call() {
    if (seconds < 1
        || rounds < 1
        || link < 0
        || guests < 2
        || guests > 4
        || runs < 1
        || bandwidth < 10) {
      throw new IllegalArgumentException(
          "--seconds >= 1, --rounds >= 1, --link >= 0,"
              + " --guests 2..4, --runs >= 1 and --bandwidth >= 10 please");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (BenchHost host = BenchCommand.host()) {
      new NetBench(host, BenchCommand.progress(spec, "bench net: "))
          .run(seconds, rounds, link, guests, runs, bandwidth)
          .forEach(out::println);
      out.flush(); // the tables, even should cleanup fail
    }
    return 0;
  }
}
