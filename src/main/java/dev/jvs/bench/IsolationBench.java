package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * `jvs bench isolation`, the paper's "under attack" experiment: a CPU-bound reference workload in
 * guest A, timed alone and while guest B runs a fork bomb, a CPU hog, a memory hog and a disk
 * writer, each held by B's own limits (pids.max, memory.rss, cpu.share). A times itself: what the
 * host spends starting the workload is not A's.
 *
 * <p>Unlike the cap experiment it leaves its guests' CPU weight as a user's (no {@link
 * BenchHost#outweighTheHost}): part of an attack's kernel work is finished by the host's kernel
 * threads (RCU frees the fork bomb's refused tasks), and starved by B's raised weight they fell
 * behind until B's own memory limit killed its init within a second (by hand: B's memory.usage
 * 20-50 MB under the bomb, 256 MB and OOM at once after raising the weight).
 */
public final class IsolationBench {
  /** The guests' limits: equal shares, and B's attacks stop at its own ceilings. */
  static final Map<String, String> LIMITS =
      Map.of("pids.max", "128", "memory.rss", "256M", "memory.swap", "0");

  /**
   * The fork bomb is jvs-lmprobe's, in C: a shell's bomb exits at its first refused fork, so at
   * pids.max it is over within a second and B sits idle for the rest of the row. It runs twice: in
   * B, unprivileged as a new guest is, whose pids.max is its RLIMIT_NPROC too, and in a privileged
   * B, where only the pids controller refuses its forks, later and at a higher cost to A.
   */
  static final List<Attack> ATTACKS =
      List.of(
          new Attack("fork bomb", List.of("/jvs-lmprobe", "forkbomb"), false, false),
          new Attack("fork bomb (B privileged)", List.of("/jvs-lmprobe", "forkbomb"), true, true),
          // The control: CPU time alone, in about as many runnable processes as the bomb keeps.
          Attack.shell(
              "CPU hog (120 processes)",
              "i=1; while [ $i -le 120 ]; do (while :; do :; done) & i=$((i+1)); done; wait"),
          Attack.shell(
              "memory hog", "while :; do head -c 600M /dev/zero | tail -c 500M >/dev/null; done"),
          Attack.shell(
              "disk writer",
              "while :; do dd if=/dev/zero of=jvs-bench.dat bs=1M count=256 conv=fsync 2>/dev/null;"
                  + " rm -f jvs-bench.dat; done"));

  /**
   * Busybox shell arithmetic, CPU-bound and about a second on the development machine, between two
   * readings of the guest's uptime (10 ms ticks), which it prints.
   */
  static final String REFERENCE =
      "read t0 x < /proc/uptime; i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done;"
          + " read t1 x < /proc/uptime; echo $t0 $t1";

  /**
   * One attack: a command run in guest B, unprivileged unless {@code privileged}, and with {@code
   * nativeFloor} also by host processes ({@link NativeIsolation}), whose B is root: a privileged
   * guest's case, or one where privilege changes nothing.
   */
  public record Attack(String name, List<String> argv, boolean privileged, boolean nativeFloor) {
    static Attack shell(String name, String script) {
      return new Attack(name, List.of("sh", "-c", script), false, true);
    }
  }

  /** Where an attack runs, frozen and thawed between the halves of each pair. */
  interface Attacking extends AutoCloseable {
    void freeze(boolean frozen);

    /** Whether the attack ended since the last call; if so it runs again. */
    boolean endedAndRestarted() throws InterruptedException;

    @Override
    void close() throws InterruptedException;
  }

  /**
   * A's median times, per row: with B idle (the baseline), and for each attack with B frozen
   * (cgroup freezer) and running, interleaved run by run so that drifting load elsewhere on the
   * host hits both columns alike. {@code cpuTime} is the same pairing of A's CPU time: the part of
   * a slowdown that is A's work costing more (caches, memory bandwidth, kernel work the attack
   * causes), where the rest is CPU time A did not get. {@code nativeSlowdowns} and {@code
   * nativeCpuTime} are the same for host processes in cgroups ({@link NativeIsolation}), measured
   * right after each attack's guest pairs; {@link Slowdown#NONE} where not measured.
   */
  public record Result(
      List<String> labels,
      List<Duration> paused,
      List<Duration> attacked,
      List<Slowdown> slowdowns,
      List<Slowdown> cpuTime,
      List<Slowdown> nativeSlowdowns,
      List<Slowdown> nativeCpuTime) {}

  /**
   * A's slowdown from the pairs (B frozen, B running) run back to back: the median of the pairs'
   * ratios and their quartiles. Pairing cancels what drifts between rows on a shared or virtualized
   * host (the same workload alone varies by tens of percent from minute to minute).
   */
  public record Slowdown(double median, double lowerQuartile, double upperQuartile) {
    /** Not measured. */
    public static final Slowdown NONE = new Slowdown(Double.NaN, Double.NaN, Double.NaN);

    static Slowdown of(long[] frozen, long[] running) {
      double[] r = new double[frozen.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = (double) running[i] / frozen[i] - 1;
      }
      Quartiles q = Quartiles.of(r);
      return new Slowdown(q.median(), q.lower(), q.upper());
    }
  }

  private final BenchHost host;
  private final Consumer<String> progress;

  public IsolationBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  public Result run(int runs) throws InterruptedException {
    Path probe = LmProbe.build(host.scratch().resolve("probe"), host.commands());
    LmProbe.install(probe, host.templateRootfs());
    Guests guests = host.guests();
    GuestName a = GuestName.of("jvs-ref");
    GuestName b = GuestName.of("jvs-attacker");
    GuestName privilegedB = GuestName.of("jvs-attacker-p");
    for (GuestName g : List.of(a, b, privilegedB)) {
      guests.build(g, "busybox");
      guests.set(g, LIMITS);
      if (g.equals(privilegedB)) {
        guests.set(g, Map.of("security.privileged", "true"));
      }
      guests.start(g, List.of(), Guests.Attach.DETACHED);
    }
    List<String> labels = new ArrayList<>();
    List<Duration> paused = new ArrayList<>();
    List<Duration> attacked = new ArrayList<>();
    List<Slowdown> slowdowns = new ArrayList<>();
    List<Slowdown> cpuTime = new ArrayList<>();
    List<Slowdown> nativeSlowdowns = new ArrayList<>(List.of(new Slowdown(0, 0, 0)));
    List<Slowdown> nativeCpuTime = new ArrayList<>(List.of(new Slowdown(0, 0, 0)));
    NativeIsolation natives = new NativeIsolation(host, probe);
    median(a, 2); // warm-up
    labels.add("A alone (B idle)");
    Duration alone = median(a, runs);
    paused.add(alone);
    attacked.add(alone);
    slowdowns.add(new Slowdown(0, 0, 0));
    cpuTime.add(new Slowdown(0, 0, 0));
    progress.accept("A alone: " + alone.toMillis() + " ms");
    for (Attack attack : ATTACKS) {
      host.checkOpen();
      Pairs pairs;
      try (AttackInB attacking = new AttackInB(attack.privileged() ? privilegedB : b, attack)) {
        pairs = pairs(() -> once(a), attacking, runs);
      }
      labels.add("A while B runs a " + attack.name());
      paused.add(median(pairs.frozen()));
      attacked.add(median(pairs.running()));
      slowdowns.add(Slowdown.of(pairs.frozen(), pairs.running()));
      cpuTime.add(Slowdown.of(pairs.frozenCpu(), pairs.runningCpu()));
      progress.accept(
          labels.getLast()
              + ": "
              + attacked.getLast().toMillis()
              + " ms (B frozen: "
              + paused.getLast().toMillis()
              + " ms)");
      if (attack.nativeFloor()) {
        Pairs floor;
        try (Attacking attacking = natives.attack(attack)) {
          floor = pairs(natives::once, attacking, runs);
        }
        nativeSlowdowns.add(Slowdown.of(floor.frozen(), floor.running()));
        nativeCpuTime.add(Slowdown.of(floor.frozenCpu(), floor.runningCpu()));
        progress.accept(
            String.format("  host processes: %+.1f %%", 100 * nativeSlowdowns.getLast().median()));
      } else {
        nativeSlowdowns.add(Slowdown.NONE);
        nativeCpuTime.add(Slowdown.NONE);
      }
    }
    natives.close();
    return new Result(labels, paused, attacked, slowdowns, cpuTime, nativeSlowdowns, nativeCpuTime);
  }

  /** A's times over a row's pairs, B frozen and running, and A's CPU times alike. */
  private record Pairs(long[] frozen, long[] running, long[] frozenCpu, long[] runningCpu) {}

  /**
   * {@code runs} pairs of A's reference, B frozen and B running back to back, alternating which
   * goes first (cancels a trend within the pair); a pair during which the attack ended is run
   * again.
   */
  private Pairs pairs(Supplier<Timing> reference, Attacking attacking, int runs)
      throws InterruptedException {
    Pairs p = new Pairs(new long[runs], new long[runs], new long[runs], new long[runs]);
    for (int i = 0; i < runs; i++) {
      for (boolean frozenTurn : i % 2 == 0 ? List.of(true, false) : List.of(false, true)) {
        attacking.freeze(frozenTurn);
        Thread.sleep(1000); // let B's in-flight work (writeback) drain, or B get going again
        Timing t = reference.get();
        (frozenTurn ? p.frozen() : p.running())[i] = t.elapsedNanos();
        (frozenTurn ? p.frozenCpu() : p.runningCpu())[i] = t.cpuNanos();
      }
      attacking.freeze(false);
      if (attacking.endedAndRestarted()) {
        i--; // B was not attacking throughout this pair: measure it again
      }
    }
    return p;
  }

  /**
   * An attack running in B, from its start until close, which leaves B freshly started. An attack
   * can end B itself: the fork bomb's refused forks leave kernel memory charged to B until RCU
   * frees it, and B's memory limit then kills its init (one of the OOM killer's few candidates
   * there). The row goes on with B and the attack started again.
   */
  private final class AttackInB implements Attacking {
    /** The bomb ended B once or twice in a 9-pair row here; far more means something else. */
    private static final int MAX_RESTARTS = 20;

    private final GuestName b;
    private final Attack attack;
    private final Hierarchies hierarchies = Hierarchies.probe();
    private Thread thread;
    private String cgroup;
    private int restarts;

    AttackInB(GuestName b, Attack attack) throws InterruptedException {
      this.b = b;
      this.attack = attack;
      begin();
    }

    /** Starts the attack and lets it get going; B may end at once, which is counted. */
    private void begin() throws InterruptedException {
      Guests guests = host.guests();
      while (true) {
        thread =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        guests.exec(b, attack.argv(), false, Launcher.Stdio.none());
                      } catch (JvsException ignored) {
                        // ended with B
                      }
                    });
        Thread.sleep(3000);
        GuestStatus status = guests.status(b);
        if (status.state() == GuestStatus.State.RUNNING) {
          cgroup = status.cgroup();
          return;
        }
        restart();
      }
    }

    private void restart() throws InterruptedException {
      if (++restarts > MAX_RESTARTS) {
        throw new JvsException(
            b + " ended " + restarts + " times during the " + attack.name() + " (see dmesg)");
      }
      progress.accept(
          "B ended during the "
              + attack.name()
              + " (its own limits); restarting it and the attack");
      thread.join(10_000);
      host.guests().start(b, List.of(), Guests.Attach.DETACHED);
    }

    /** Freezes or thaws B; B may have ended, which the pair's end finds. */
    @Override
    public void freeze(boolean frozen) {
      try {
        hierarchies.freeze(cgroup, frozen);
      } catch (RuntimeException e) {
        if (running()) {
          throw e;
        }
      }
    }

    private boolean running() {
      return host.guests().status(b).state() == GuestStatus.State.RUNNING;
    }

    /** Whether B ended since the last call; if so it runs again, attacking anew. */
    @Override
    public boolean endedAndRestarted() throws InterruptedException {
      if (running()) {
        return false;
      }
      restart();
      begin();
      return true;
    }

    @Override
    public void close() throws InterruptedException {
      Guests guests = host.guests();
      try {
        guests.stop(b, Duration.ZERO); // ends every process of the attack
      } catch (JvsException e) {
        if (running()) {
          throw e;
        }
        // B had ended by itself
      }
      thread.join(10_000);
      guests.start(b, List.of(), Guests.Attach.DETACHED);
    }
  }

  private Duration median(GuestName g, int runs) {
    long[] nanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      nanos[i] = once(g).elapsedNanos();
    }
    return median(nanos);
  }

  private static Duration median(long[] nanos) {
    return Duration.ofNanos(Quartiles.median(nanos));
  }

  /** One run of the reference: its time by the guest's clock, and its guest's CPU time. */
  record Timing(long elapsedNanos, long cpuNanos) {}

  private Timing once(GuestName g) {
    long cpu = cpuNanos(g);
    Path out = host.scratch().resolve("isolation-reference.out");
    int code =
        host.guests().exec(g, List.of("sh", "-c", REFERENCE), false, Launcher.Stdio.toFile(out));
    String said;
    try {
      said = Files.readString(out).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(out + ": " + e.getMessage(), e);
    }
    if (code != 0) {
      throw new JvsException("reference workload exited with " + code + ": " + said);
    }
    return new Timing(elapsedNanos(said), cpuNanos(g) - cpu);
  }

  private long cpuNanos(GuestName g) {
    CgroupUsage usage = host.guests().status(g).usage();
    if (usage == null) {
      throw new JvsException(g + ": not running");
    }
    return usage.cpuNanos();
  }

  /** "T0 T1", two uptimes in seconds, as the time between them; throws naming the text. */
  static long elapsedNanos(String said) {
    String[] f = said.split("\\s+");
    try {
      if (f.length == 2) {
        return new BigDecimal(f[1])
            .subtract(new BigDecimal(f[0]))
            .movePointRight(9)
            .longValueExact();
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // reported below
    }
    throw new JvsException("reference workload: expected two uptimes, got '" + said + "'");
  }
}
