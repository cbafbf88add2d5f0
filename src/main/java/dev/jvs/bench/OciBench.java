package dev.jvs.bench;

import dev.jvs.base.Executables;
import dev.jvs.base.JvsException;
import dev.jvs.cgroup.Hierarchies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code ctr run --rm IMAGE ID /bin/true} end to end through a containerd of the benchmark's own,
 * with runc, jvs-oci cold (a JVM per call), jvs-oci warm (handed to {@code jvs serve}) and crun
 * where it runs, interleaved. containerd calls the runtime four times per container (create, start,
 * delete, delete --force), which is what the JVM's start-up multiplies.
 */
public final class OciBench {
  /** Untimed rounds first: page cache, containerd's and the service's warm-up. */
  public static final int WARMUP_ROUNDS = 1;

  /**
   * Untimed runs through the service before the rounds: a service runs for days, so its hot paths
   * are JIT-compiled; the rounds alone would time it half interpreted.
   */
  public static final int SERVICE_WARMUP_RUNS = 40;

  private static final String IMAGE = "docker.io/library/jvs-bench-busybox:latest";
  private static final List<String> TRUE = List.of("/bin/true");

  private final BenchHost host;
  private final Consumer<String> progress;
  private final List<String> notes = new ArrayList<>();
  private int nextId;

  public OciBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  /** Prepares, times {@code runs} interleaved rounds and tears down; once per instance. */
  public StartupReport run(int runs) {
    String loadBefore = HostLoad.oneMinute();
    JvmCli cli =
        JvmCli.ofRunningJar(host.initBinary())
            .orElseThrow(() -> new JvsException("bench oci: run from the jar (./jvs bench oci)"));
    Path work = host.scratch().resolve("oci");
    HostCommands commands = host.commands();
    String cgroupParent =
        "jvs-bench-oci-" + host.base().getFileName().toString().substring("jvs-bench-".length());
    host.onClose(() -> removeCgroups(cgroupParent));

    progress.accept("starting containerd and importing a busybox image in " + work);
    Containerd containerd = Containerd.start(work.resolve("containerd"), commands);
    host.onClose(containerd::close);
    containerd.importImage(
        OciImageArchive.write(host.templateRootfs(), work.resolve("image"), IMAGE, commands),
        IMAGE);
    WarmService service =
        WarmService.start(
            cli,
            work.resolve("service/root"),
            work.resolve("service/run"),
            work.resolve("serve.log"));
    host.onClose(service::close);

    Path jvsOci = link(work.resolve("bin/jvs-oci"), cli);
    Path cold = script(work.resolve("jvs-oci-cold"), cli, jvsOci, "");
    Path warm = script(work.resolve("jvs-oci-warm"), cli, jvsOci, service.socket().toString());
    List<Slot> slots = new ArrayList<>();
    slots.add(
        ctrRun(containerd, "jvs-oci, warm (handed to jvs serve)", warm, work, cgroupParent, false));
    slots.add(
        ctrRun(containerd, "jvs-oci, cold (a JVM per call)", cold, work, cgroupParent, false));
    Optional<Path> runc = Executables.find("runc");
    slots.add(
        runc.isPresent()
            ? ctrRun(containerd, "runc", runc.get(), work, cgroupParent, true)
            : Slot.skip(Row.Group.START, "runc", "not installed"));
    slots.add(crun(containerd, work, cgroupParent));

    List<Contender> contenders = Slot.contenders(slots);
    progress.accept("warming the service up with " + SERVICE_WARMUP_RUNS + " untimed runs");
    Contender.Trial warmRun = slots.getFirst().contender().trial();
    for (int i = 0; i < SERVICE_WARMUP_RUNS; i++) {
      host.checkOpen();
      try {
        warmRun.run();
      } catch (Exception e) {
        throw new JvsException("service warm-up: " + e.getMessage(), e);
      }
    }
    progress.accept(
        "timing "
            + contenders.size()
            + " runtimes: "
            + WARMUP_ROUNDS
            + " warm-up round, then "
            + runs
            + " interleaved rounds");
    long servedBefore = service.requestsServed("jvs-oci");
    List<Latency> latencies =
        new RoundRobin(WARMUP_ROUNDS, runs, progress).measure(contenders, host::checkOpen);
    long served = service.requestsServed("jvs-oci") - servedBefore;

    List<Row> rows = Slot.rows(slots, latencies);
    notes.add(
        "each row: `ctr run --rm --runc-binary X --runc-root R --cgroup /P/ID "
            + IMAGE
            + " ID /bin/true` against a containerd of this benchmark's own (overlayfs snapshots;"
            + " its state, the runtimes' roots and pid files on a tmpfs, as /run normally is)");
    notes.add("the service had " + SERVICE_WARMUP_RUNS + " untimed warm-up runs first (JIT)");
    notes.add(
        "the warm service answered "
            + served
            + " runtime calls during the "
            + (runs + WARMUP_ROUNDS)
            + " timed and warm-up-round ctr runs of its row");
    notes.add(
        "jvs-oci rows run jvs-client named jvs-oci (./jvs-oci) through a one-line sh"
            + " script that sets JVS_SOCKET (cold: empty, so the client execs the JVM, without an"
            + " AOT cache; the service is a JVM with default JIT flags)");
    notes.add(
        "1-minute load average "
            + loadBefore
            + " before, "
            + HostLoad.oneMinute()
            + " after, on "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs");
    return new StartupReport(runs, WARMUP_ROUNDS, rows, notes);
  }

  private Slot ctrRun(
      Containerd containerd,
      String label,
      Path binary,
      Path work,
      String cgroupParent,
      boolean reference) {
    Path root = containerd.runtimeRoot(Integer.toString(nextId++));
    Contender.Trial trial =
        () ->
            host.commands()
                .run(
                    containerd.runRm(
                        binary, root, cgroupParent, IMAGE, OciRuntime.ID_PREFIX + nextId++, TRUE));
    return reference
        ? Slot.reference(Row.Group.START, label, trial)
        : Slot.of(Row.Group.START, label, trial);
  }

  /** crun refuses hybrid cgroup hosts outright; then the table says so instead of a row. */
  private Slot crun(Containerd containerd, Path work, String cgroupParent) {
    Optional<Path> crun = Executables.find("crun");
    if (crun.isEmpty()) {
      return Slot.skip(Row.Group.START, "crun", "not installed");
    }
    Path root = containerd.runtimeRoot("crun");
    HostCommands.Result probe =
        host.commands()
            .capture(
                containerd.runRm(
                    crun.get(),
                    root,
                    cgroupParent,
                    IMAGE,
                    OciRuntime.ID_PREFIX + "crun-probe",
                    TRUE),
                java.time.Duration.ofSeconds(60));
    if (probe.exitCode() != 0) {
      host.commands()
          .capture(
              containerd.ctr("task", "delete", "-f", OciRuntime.ID_PREFIX + "crun-probe"),
              java.time.Duration.ofSeconds(60));
      host.commands()
          .capture(
              containerd.ctr("containers", "delete", OciRuntime.ID_PREFIX + "crun-probe"),
              java.time.Duration.ofSeconds(60));
      return Slot.skip(Row.Group.START, "crun", "not runnable here (" + probe.firstLine() + ")");
    }
    return ctrRun(containerd, "crun", crun.get(), work, cgroupParent, false);
  }

  /** ./jvs-oci for this jar: a link named jvs-oci to the jvs-client beside jvs-init. */
  private static Path link(Path file, JvmCli cli) {
    try {
      Files.createDirectories(file.getParent());
      return Files.createSymbolicLink(file, cli.init().resolveSibling("jvs-client"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The runtime containerd is given: ./jvs-oci on the service at {@code socket} (empty: none, so
   * the client runs the verb in a fresh JVM, this JDK's).
   */
  private static Path script(Path file, JvmCli cli, Path jvsOci, String socket) {
    String text =
        """
        #!/bin/sh
        JVS_SOCKET=%1$s JVS_JAVA_HOME=%2$s exec %3$s "$@"
        """
            .formatted(socket, cli.java().getParent().getParent(), jvsOci);
    try {
      Files.writeString(file, text);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The containers' parent cgroup in every hierarchy (runc leaves it; jvs-oci removes it). */
  private static void removeCgroups(String parent) {
    List<Path> left = Hierarchies.probe().removeEmpty(parent);
    if (!left.isEmpty()) {
      throw new JvsException("cgroups left: " + left);
    }
  }
}
