package dev.jvs.bench;

import dev.jvs.base.Executables;
import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Start-to-exit latency of `/bin/true` in a fresh jvs guest and in a running one, against runc,
 * crun, unshare+chroot and the bare binary, all on the same busybox rootfs, interleaved.
 */
public final class StartupBench {
  /** Untimed rounds first: page cache, the template's dentries, and this JVM's JIT warm up. */
  public static final int WARMUP_ROUNDS = 2;

  private static final List<String> TRUE = List.of("/bin/true");
  private static final GuestName APP = GuestName.of("app");
  private static final GuestName SYS = GuestName.of("sys");
  private static final List<String> CLI_START = List.of("start", APP.value(), "--", "/bin/true");
  private static final List<String> CLI_EXEC = List.of("exec", SYS.value(), "--", "/bin/true");
  private static final List<String> SLEEP = List.of("/bin/sleep", "1000000");

  private final BenchHost host;
  private final Consumer<String> progress;
  private final List<Runnable> teardown = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<GuestName> listedGuests = new ArrayList<>();
  private Optional<OciRuntime> runc = Optional.empty();
  private Optional<WarmService> service = Optional.empty();

  public StartupBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  /**
   * Prepares, times {@code runs} interleaved rounds and tears down; once per instance. With {@code
   * listed} &gt; 0, that many guests and runc containers run `sleep` meanwhile, and `jvs list` is
   * timed against `runc list`.
   */
  public StartupReport run(int runs, int listed) {
    String loadBefore = HostLoad.oneMinute();
    progress.accept("preparing guests, bundles and caches in " + host.base());
    Path rootfs = host.templateRootfs();
    Guests guests = host.guests();
    guests.build(APP, "busybox");
    guests.build(SYS, "busybox");
    guests.start(SYS, List.of(), Guests.Attach.DETACHED);

    // Display order: each group's jvs rows, then runc (the reference), then the rest.
    List<Slot> start = new ArrayList<>();
    List<Slot> exec = new ArrayList<>();
    List<Slot> list = new ArrayList<>();
    Optional<JvmCli> cli = JvmCli.ofRunningJar(host.initBinary());
    addServiceRows(cli, start, exec, listed > 0 ? list : new ArrayList<>());
    addCliRows(cli, start, exec, listed > 0 ? list : new ArrayList<>());
    addApiRows(start, exec, listed > 0 ? list : new ArrayList<>());
    addRuncRows(rootfs, start, exec, listed > 0 ? list : new ArrayList<>());
    addCrunRow(rootfs, start);
    addUnshareRow(rootfs, start);
    start.add(
        Slot.of(Row.Group.START, "/bin/true (native floor)", () -> host.commands().run(TRUE)));
    if (listed > 0) {
      startListed(rootfs, listed);
    }
    List<Slot> slots = new ArrayList<>(start);
    slots.addAll(exec);
    slots.addAll(list);

    List<Contender> contenders = Slot.contenders(slots);
    progress.accept(
        "timing "
            + contenders.size()
            + " contenders: "
            + WARMUP_ROUNDS
            + " warm-up rounds, then "
            + runs
            + " interleaved rounds");
    long servedBefore = service.map(s -> s.requestsServed("jvs")).orElse(0L);
    List<Latency> latencies =
        new RoundRobin(WARMUP_ROUNDS, runs, progress).measure(contenders, host::checkOpen);
    if (service.isPresent()) {
      long served = service.get().requestsServed("jvs") - servedBefore;
      noteServed(served, (long) (WARMUP_ROUNDS + runs) * (listed > 0 ? 3 : 2));
    }

    List<Row> rows = Slot.rows(slots, latencies);
    notes.add(
        "process rows include this JVM's cost of spawning and reaping a child; "
            + "the /bin/true row is that floor");
    notes.add(
        "in-process rows ran in this JVM: "
            + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    notes.add(
        "1-minute load average "
            + loadBefore
            + " before, "
            + HostLoad.oneMinute()
            + " after, on "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs");

    // Leave the host as found for the memory phase; BenchHost.close() covers the failure paths.
    teardown.forEach(Runnable::run);
    for (GuestName g : listedGuests) {
      guests.delete(g, true);
    }
    guests.delete(SYS, true);
    guests.delete(APP, false);
    return new StartupReport(runs, WARMUP_ROUNDS, rows, notes);
  }

  /**
   * ./jvs as a user types it with `jvs serve` running: the native client hands the call to a
   * service (a JVM of its own on this jar, full JIT, as systemd starts it), which runs the verb.
   */
  private void addServiceRows(
      Optional<JvmCli> found, List<Slot> start, List<Slot> exec, List<Slot> list) {
    Path client = host.initBinary().resolveSibling("jvs-client");
    String label = "(client -> jvs serve)";
    if (found.isEmpty() || !Files.isExecutable(client)) {
      String reason = found.isEmpty() ? "not running from a jar" : "no " + client;
      start.add(Slot.skip(Row.Group.START, "jvs start " + label, reason));
      exec.add(Slot.skip(Row.Group.EXEC, "jvs exec " + label, reason));
      list.add(Slot.skip(Row.Group.LIST, "jvs list " + label, reason));
      return;
    }
    progress.accept("starting jvs serve");
    WarmService service =
        WarmService.start(
            found.get(),
            host.dirs().root(),
            host.dirs().run(),
            host.scratch().resolve("serve.log"));
    this.service = Optional.of(service);
    host.onClose(service::close);
    teardown.add(service::close);
    Map<String, String> env =
        Map.of(
            "JVS_ROOT", host.dirs().root().toString(),
            "JVS_RUN", host.dirs().run().toString(),
            "JVS_SOCKET", service.socket().toString());
    HostCommands viaService = new HostCommands(env, host.scratch().resolve("client-stderr.log"));
    start.add(
        Slot.of(
            Row.Group.START,
            "jvs start app -- /bin/true " + label,
            () -> viaService.run(prefixed(client, CLI_START))));
    exec.add(
        Slot.of(
            Row.Group.EXEC,
            "jvs exec sys -- /bin/true " + label,
            () -> viaService.run(prefixed(client, CLI_EXEC))));
    list.add(
        Slot.of(
            Row.Group.LIST,
            "jvs list " + label,
            () -> viaService.run(List.of(client.toString(), "list"))));
  }

  /**
   * Says how many of the service rows' calls the service ran; a client that fell back runs cold.
   */
  private void noteServed(long served, long expected) {
    notes.add(
        "service rows: ./jvs (jvs-client) with JVS_SOCKET set, the service's JVM warmed by the"
            + " warm-up rounds; it logged "
            + served
            + " of their "
            + expected
            + " calls"
            + (served < expected ? " (THE REST FELL BACK TO A COLD JVM)" : ""));
  }

  private static List<String> prefixed(Path binary, List<String> args) {
    List<String> argv = new ArrayList<>();
    argv.add(binary.toString());
    argv.addAll(args);
    return argv;
  }

  /** The CLI with no service: cold, and with an AOT cache trained in the scratch directory. */
  private void addCliRows(
      Optional<JvmCli> found, List<Slot> start, List<Slot> exec, List<Slot> list) {
    if (found.isEmpty()) {
      start.add(Slot.skip(Row.Group.START, "jvs CLI", "not running from a jar"));
      exec.add(Slot.skip(Row.Group.EXEC, "jvs CLI", "not running from a jar"));
      list.add(Slot.skip(Row.Group.LIST, "jvs CLI", "not running from a jar"));
      return;
    }
    JvmCli cli = found.get();
    HostCommands commands = host.commands();
    start.add(
        Slot.of(
            Row.Group.START,
            "jvs start app -- /bin/true (CLI, cold JVM)",
            () -> commands.run(cli.command(List.of(), CLI_START))));
    exec.add(
        Slot.of(
            Row.Group.EXEC,
            "jvs exec sys -- /bin/true (CLI, cold JVM)",
            () -> commands.run(cli.command(List.of(), CLI_EXEC))));
    try {
      progress.accept("training the AOT cache with `jvs start app -- /bin/true`");
      List<String> aot =
          AotCache.train(cli, commands, host.scratch().resolve("jvs.aot"), CLI_START);
      start.add(
          Slot.of(
              Row.Group.START,
              "jvs start app -- /bin/true (CLI with AOT cache)",
              () -> commands.run(cli.command(aot, CLI_START))));
      exec.add(
          Slot.of(
              Row.Group.EXEC,
              "jvs exec sys -- /bin/true (CLI with AOT cache)",
              () -> commands.run(cli.command(aot, CLI_EXEC))));
      list.add(
          Slot.of(
              Row.Group.LIST,
              "jvs list (CLI with AOT cache)",
              () -> commands.run(cli.command(aot, List.of("list")))));
      notes.add(
          "AOT rows: one cache, trained by a single `jvs start app -- /bin/true` run with "
              + "-XX:AOTCacheOutput=FILE, then -XX:AOTCache=FILE on every AOT row");
    } catch (JvsException e) {
      start.add(Slot.skip(Row.Group.START, "CLI with AOT cache", e.getMessage()));
    }
  }

  /** What a warm daemon pays per request: the runtime API called in this JVM. */
  private void addApiRows(List<Slot> start, List<Slot> exec, List<Slot> list) {
    Guests guests = host.guests();
    Launcher.Stdio quiet = Launcher.Stdio.none();
    start.add(
        Slot.of(
            Row.Group.START,
            "Guests.start(app, [/bin/true], FOREGROUND)",
            () -> expectZero(guests.start(APP, TRUE, Guests.Attach.FOREGROUND, quiet))));
    exec.add(
        Slot.of(
            Row.Group.EXEC,
            "Guests.exec(sys, [/bin/true])",
            () -> expectZero(guests.exec(SYS, TRUE, false, quiet))));
    list.add(Slot.of(Row.Group.LIST, "Guests.list()", guests::list));
  }

  private void addRuncRows(Path rootfs, List<Slot> start, List<Slot> exec, List<Slot> list) {
    runc = runtime("runc");
    if (runc.isEmpty()) {
      start.add(Slot.skip(Row.Group.START, "runc", "not installed (runc run row skipped)"));
      exec.add(Slot.skip(Row.Group.EXEC, "runc", "not installed (runc exec row skipped)"));
      list.add(Slot.skip(Row.Group.LIST, "runc", "not installed (runc list row skipped)"));
      return;
    }
    OciRuntime runc = this.runc.get();
    Path trueBundle = runc.bundle(host.scratch().resolve("runc-true"), rootfs, TRUE);
    Path sleepBundle =
        runc.bundle(host.scratch().resolve("runc-sleep"), rootfs, List.of("/bin/sleep", "1000"));
    String target = runc.newId("exec-target");
    runc.runDetached(target, sleepBundle);
    start.add(
        Slot.reference(
            Row.Group.START,
            "runc run (busybox rootfs, /bin/true)",
            () -> runc.run(runc.newId("run"), trueBundle)));
    exec.add(
        Slot.reference(
            Row.Group.EXEC,
            "runc exec CTR /bin/true (CTR runs sleep 1000)",
            () -> runc.exec(target, TRUE)));
    list.add(Slot.reference(Row.Group.LIST, "runc list", runc::listTable));
  }

  /**
   * {@code n} guests and as many runc containers, each running `sleep`, so that both lists have
   * something to show.
   */
  private void startListed(Path rootfs, int n) {
    progress.accept("starting " + n + " guests and " + n + " runc containers for the list rows");
    Guests guests = host.guests();
    for (int i = 0; i < n; i++) {
      GuestName g = GuestName.of("listed" + i);
      guests.build(g, "busybox");
      listedGuests.add(g);
      guests.start(g, SLEEP, Guests.Attach.DETACHED);
    }
    runc.ifPresent(
        r -> {
          Path bundle = r.bundle(host.scratch().resolve("runc-listed"), rootfs, SLEEP);
          for (int i = 0; i < n; i++) {
            r.runDetached(r.newId("listed"), bundle);
          }
        });
    notes.add(
        "list rows: "
            + n
            + " guests and "
            + n
            + " runc containers run `sleep` (plus the rows' own: 2 guests, 1 container)");
  }

  /**
   * The OCI runtime {@code name} if installed, its state in the scratch directory; its containers
   * are deleted at teardown, and at close should the run fail before.
   */
  private Optional<OciRuntime> runtime(String name) {
    Optional<OciRuntime> found =
        OciRuntime.find(name, host.scratch().resolve(name + "-state"), host.commands());
    found.ifPresent(
        r -> {
          host.onClose(r::deleteAll);
          teardown.add(r::deleteAll);
        });
    return found;
  }

  /** crun refuses hybrid cgroup hosts outright; then the table says so instead of a row. */
  private void addCrunRow(Path rootfs, List<Slot> start) {
    Optional<OciRuntime> found = runtime("crun");
    if (found.isEmpty()) {
      start.add(Slot.skip(Row.Group.START, "crun", "not installed"));
      return;
    }
    OciRuntime crun = found.get();
    Path bundle = crun.bundle(host.scratch().resolve("crun-true"), rootfs, TRUE);
    Optional<String> error = crun.probe(crun.newId("probe"), bundle);
    if (error.isPresent()) {
      start.add(Slot.skip(Row.Group.START, "crun", "not runnable here (" + error.get() + ")"));
      return;
    }
    start.add(
        Slot.of(
            Row.Group.START,
            "crun run (busybox rootfs, /bin/true)",
            () -> crun.run(crun.newId("run"), bundle)));
  }

  /** The same namespaces as a guest, no cgroup, no monitor: the kernel's floor for isolation. */
  private void addUnshareRow(Path rootfs, List<Slot> start) {
    Optional<Path> unshare = Executables.find("unshare");
    Optional<Path> chroot = Executables.find("chroot");
    if (unshare.isEmpty() || chroot.isEmpty()) {
      start.add(Slot.skip(Row.Group.START, "unshare … chroot", "not installed (util-linux)"));
      return;
    }
    List<String> argv =
        List.of(
            unshare.get().toString(),
            "--fork",
            "--pid",
            "--mount",
            "--uts",
            "--ipc",
            "--net",
            "--mount-proc",
            chroot.get().toString(),
            rootfs.toString(),
            "/bin/true");
    start.add(
        Slot.of(
            Row.Group.START,
            "unshare -fpmuin --mount-proc chroot ROOTFS /bin/true",
            () -> host.commands().run(argv)));
  }

  private static void expectZero(int exitCode) {
    if (exitCode != 0) {
      throw new JvsException("/bin/true exited " + exitCode);
    }
  }
}
