package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A suite of jvs-lmprobe tests (the paper's lmbench table, or its dd macro-benchmark): the probe
 * natively, in a fresh jvs guest and in a fresh runc container on the same busybox rootfs, in
 * interleaved rounds (each round starts one system further along); each row as the geometric mean
 * of the rounds' ratios to native with its 95 % confidence interval.
 */
public final class MicroBench implements PaperExperiment {
  private static final String NATIVE = "native";
  private static final String JVS = "jvs";
  private static final String RUNC = "runc";
  private static final GuestName GUEST = GuestName.of("micro");

  /**
   * Which probe tests one experiment runs and what it compares them with.
   *
   * @param tests the probe's arguments
   * @param rows what the probe prints for them, in table order
   * @param claim the paper's claim for every row, with {@code goal} its bound on jvs / native
   */
  record Suite(
      String name,
      String title,
      List<String> tests,
      List<String> rows,
      String claim,
      double goal,
      String chartTitle,
      String method,
      Duration quickEstimate,
      Duration fullEstimate) {}

  private final Suite suite;

  private MicroBench(Suite suite) {
    this.suite = suite;
  }

  /** The paper's lmbench table: VServer within 1 % of native on every row. */
  static MicroBench lmbench() {
    return new MicroBench(
        new Suite(
            "micro",
            "lmbench micro-benchmarks (the paper's Table 3), native vs jvs vs runc",
            LmProbe.TESTS,
            LmProbe.ROWS,
            "VServer within 1 % of native (<= 1.01x)",
            1.01,
            "lmbench rows: cost relative to native (95 % CI), lower is better",
            "each test runs for %d ms per round and system, best of 5 parts",
            Duration.ofSeconds(30),
            Duration.ofSeconds(240)));
  }

  /** The paper's dd macro-benchmark, with random 4 KiB access as fio would add. */
  static MicroBench disk() {
    return new MicroBench(
        new Suite(
            "disk",
            "disk I/O (the paper's dd macro-benchmark), sequential and random, native vs jvs vs runc",
            List.of("disk"),
            LmProbe.DISK_ROWS,
            "the paper: VServer's dd on par with native; goal here within 5 % (<= 1.05x)",
            1.05,
            "disk I/O: cost relative to native (95 % CI), lower is better",
            "a 64 MiB file, best of 3 passes per round and system%.0s",
            Duration.ofSeconds(40),
            Duration.ofSeconds(120)));
  }

  @Override
  public String name() {
    return suite.name();
  }

  @Override
  public String title() {
    return suite.title();
  }

  @Override
  public Duration estimate(boolean quick) {
    return quick ? suite.quickEstimate() : suite.fullEstimate();
  }

  private static int rounds(boolean quick) {
    return quick ? 3 : 10;
  }

  private static int budgetMillis(boolean quick) {
    return quick ? 15 : 150;
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) {
    progress.accept("building jvs-lmprobe with gcc");
    Path probe = LmProbe.build(host.scratch().resolve("probe"), host.commands());
    Path rootfs = host.templateRootfs();
    LmProbe.install(probe, rootfs);
    host.guests().build(GUEST, "busybox");
    List<String> args = new ArrayList<>(List.of(String.valueOf(budgetMillis(quick))));
    args.addAll(suite.tests());

    List<String> nativeArgv = inCgroupOfItsOwn(host, probe);
    Map<String, Trial> systems = new LinkedHashMap<>();
    systems.put(NATIVE, () -> runNative(host, nativeArgv, args));
    systems.put(JVS, () -> runGuest(host, args));
    List<String> notes = new ArrayList<>();
    Optional<OciRuntime> runc =
        OciRuntime.find(RUNC, host.scratch().resolve("runc-state"), host.commands());
    if (runc.isPresent()) {
      host.onClose(runc.get()::deleteAll);
      List<String> argv = new ArrayList<>(List.of("/jvs-lmprobe", "/jvs-lmdir"));
      argv.addAll(args);
      Path bundle = runc.get().bundle(host.scratch().resolve("runc-micro"), rootfs, argv);
      systems.put(RUNC, () -> runRunc(host, runc.get(), bundle));
    } else {
      notes.add("runc is not installed: no runc column");
    }

    int rounds = rounds(quick);
    List<String> names = List.copyOf(systems.keySet());
    Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
    names.forEach(n -> results.put(n, new ArrayList<>()));
    ResultTable table = new ResultTable();
    for (int r = 0; r < rounds; r++) {
      host.checkOpen();
      progress.accept("round " + (r + 1) + "/" + rounds);
      for (int k = 0; k < names.size(); k++) {
        String system = names.get(Math.floorMod(r + k, names.size()));
        Map<String, Double> rows = systems.get(system).run();
        results.get(system).add(rows);
        int round = r;
        rows.forEach((row, ns) -> table.add(system, row, unit(row), round, ns));
      }
    }

    List<String> compared = names.subList(1, names.size());
    List<String> rowNames = suite.rows();
    double[][] mean = new double[compared.size()][rowNames.size()];
    double[][] low = new double[compared.size()][suite.rows().size()];
    double[][] high = new double[compared.size()][suite.rows().size()];
    List<Claim> claims = new ArrayList<>();
    for (int s = 0; s < compared.size(); s++) {
      String system = compared.get(s);
      for (int i = 0; i < suite.rows().size(); i++) {
        String row = suite.rows().get(i);
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          ratios[r] = results.get(system).get(r).get(row) / results.get(NATIVE).get(r).get(row);
        }
        double[] m = MeanInterval.ofRatios(ratios);
        mean[s][i] = m[0];
        low[s][i] = m[1];
        high[s][i] = m[2];
        if (system.equals(JVS)) {
          claims.add(Claim.ratio(name(), row + ": jvs / native", suite.claim(), m, suite.goal()));
        } else {
          notes.add(
              String.format(
                  "%s: %s / native %.3fx [%.3f, %.3f]; jvs / %s %.3fx",
                  row, system, m[0], m[1], m[2], system, mean[0][i] / m[0]));
        }
      }
    }
    for (int i = 0; i < suite.rows().size(); i++) {
      String row = suite.rows().get(i);
      double nativeMedian =
          Quartiles.of(results.get(NATIVE).stream().mapToDouble(m -> m.get(row)).toArray())
              .median();
      notes.add(String.format("native %s: %.1f %s (median)", row, nativeMedian, unit(row)));
    }
    notes.add(
        rounds
            + " interleaved rounds; "
            + suite.method().formatted(budgetMillis(quick))
            + "; ratios are cost ratios (time per operation or per MiB), above 1 slower than"
            + " native, as geometric means over the rounds with a 95 % interval");
    notes.add(
        "native runs in a cgroup of its own beside the guest's (not in this JVM's crowded one),"
            + " as jvs and runc do, so that on a busy host the containers get no larger CPU share"
            + " than native");
    notes.add(
        "jvs runs the probe as a fresh app guest (Guests.start FOREGROUND) with its default"
            + " seccomp filter; runc runs `runc run` on runc's default spec (no seccomp filter)."
            + " File and disk rows work in /jvs-lmdir: on the guest's overlayfs root for jvs, on the"
            + " template directory itself for runc, in the benchmark's scratch directory natively");
    BarChart chart =
        new BarChart(
            suite.chartTitle(),
            "time per operation / native",
            suite.rows(),
            compared,
            mean,
            low,
            high,
            1.0);
    host.guests().delete(GUEST, true);
    return new Output(table, claims, Map.of(name(), chart), notes);
  }

  private interface Trial {
    Map<String, Double> run();
  }

  private static String unit(String row) {
    return row.endsWith("bandwidth") || row.startsWith("disk_seq") ? "ns/MiB" : "ns/op";
  }

  private static Duration timeout() {
    return Duration.ofMinutes(10);
  }

  /**
   * The native probe's command line: a shell that moves itself into a cgroup of its own beside the
   * guests' (in every hierarchy), then execs the probe. On a busy host a fresh cgroup gets a larger
   * CPU share than this JVM's crowded one, so native must start from the same footing as the guests
   * and the runc container, or the containers look faster than the host.
   */
  static List<String> inCgroupOfItsOwn(BenchHost host, Path probe) {
    Cgroup cg = host.cgroups().create(host.dirs().cgroupParent(), "jvsnative");
    host.onClose(cg::destroy);
    return joining(cg, List.of(probe.toString()));
  }

  /** {@code command} run by a shell that first moves itself into {@code cg} in every hierarchy. */
  static List<String> joining(Cgroup cg, List<String> command) {
    StringBuilder join = new StringBuilder();
    for (Path dir : Hierarchies.probe().existing(cg.path())) {
      join.append("echo $$ > ").append(dir.resolve("cgroup.procs")).append(" && ");
    }
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", join + "exec \"$@\"", "sh"));
    argv.addAll(command);
    return argv;
  }

  private Map<String, Double> runNative(
      BenchHost host, List<String> nativeArgv, List<String> args) {
    List<String> argv = new ArrayList<>(nativeArgv);
    argv.add(host.scratch().resolve("jvs-lmdir").toString());
    argv.addAll(args);
    return LmProbe.parse(NATIVE, host.commands().check(argv, timeout()), suite.rows());
  }

  private Map<String, Double> runGuest(BenchHost host, List<String> args) {
    Path out = host.scratch().resolve("micro-guest.out");
    Path err = host.scratch().resolve("micro-guest.err");
    List<String> argv = new ArrayList<>(List.of("/jvs-lmprobe", "/jvs-lmdir"));
    argv.addAll(args);
    Launcher.Stdio stdio =
        new Launcher.Stdio(
            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
            ProcessBuilder.Redirect.to(out.toFile()),
            ProcessBuilder.Redirect.to(err.toFile()));
    int code = host.guests().start(GUEST, argv, Guests.Attach.FOREGROUND, stdio);
    String text;
    try {
      text = Files.readString(out) + Files.readString(err);
    } catch (IOException e) {
      throw new UncheckedIOException(out + ": " + e.getMessage(), e);
    }
    if (code != 0) {
      throw new JvsException("micro guest: jvs-lmprobe exited " + code + ": " + text.strip());
    }
    return LmProbe.parse(JVS, text, suite.rows());
  }

  private Map<String, Double> runRunc(BenchHost host, OciRuntime runc, Path bundle) {
    String id = runc.newId("micro");
    return LmProbe.parse(
        RUNC,
        host.commands().check(runc.base("run", "--bundle", bundle.toString(), id), timeout()),
        suite.rows());
  }
}
