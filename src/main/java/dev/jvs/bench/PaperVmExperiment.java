package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.bench.vm.Accelerator;
import dev.jvs.bench.vm.DebianKernel;
import dev.jvs.bench.vm.QemuVm;
import dev.jvs.bench.vm.VmImage;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The hypervisor of the paper's comparison, as a QEMU VM with the guests' own busybox userland and
 * Debian's kernel: boot time and host memory per instance against a jvs system guest (fair under
 * TCG too), and the lmbench rows of jvs-lmprobe in the VM against native (a fair CPU comparison
 * only under KVM; this machine's /dev/kvm cannot be used, so it is marked with the accelerator).
 */
final class PaperVmExperiment implements PaperExperiment {
  private static final GuestName GUEST = GuestName.of("vmpeer");
  private static final int MEMORY_MIB = 256;
  private static final int CPUS = 2;
  private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(15);

  @Override
  public String name() {
    return "vm";
  }

  @Override
  public String title() {
    return "a QEMU VM (the paper's Xen) with the guests' userland: boot time, memory per instance,"
        + " lmbench rows";
  }

  @Override
  public Duration estimate(boolean quick) {
    return quick ? Duration.ofSeconds(60) : Duration.ofMinutes(6);
  }

  private static int boots(boolean quick) {
    return quick ? 1 : 5;
  }

  private static int rounds(boolean quick) {
    return quick ? 2 : 5;
  }

  private static int budgetMillis(boolean quick) {
    return quick ? 15 : 150;
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) throws Exception {
    Path dir = host.scratch().resolve("vm");
    progress.accept("fetching Debian's kernel (cached after the first run)");
    DebianKernel kernel = DebianKernel.fetch(dir); // KVM is tried by booting it
    Accelerator accel = Accelerator.detect("qemu-system-x86_64", kernel);
    String vm = "vm-" + accel.name();
    progress.accept("accelerator: " + accel.name() + (accel.kvm() ? "" : " (" + accel.why() + ")"));
    if (quick && !accel.kvm()) {
      String why =
          "skipped in --quick: under TCG a boot takes 10-30 s here and the VM's probe minutes;"
              + " run `jvs bench paper --only vm` (docs/evaluation.md has this machine's figures)";
      progress.accept(why);
      return new Output(new ResultTable(), List.of(), Map.of(), List.of(accelNote(accel), why));
    }
    Path probe = LmProbe.build(host.scratch().resolve("probe"), host.commands());
    Path rootfs = host.templateRootfs();
    LmProbe.install(probe, rootfs);
    Path initramfs = VmImage.build(dir, kernel, rootfs, Map.of(), List.of());
    QemuVm.Spec spec =
        new QemuVm.Spec(
            kernel,
            initramfs,
            accel,
            MEMORY_MIB,
            CPUS,
            Optional.empty(),
            Map.of("JVS_ROOT", host.dirs().root().toString()));
    Guests guests = host.guests();
    guests.build(GUEST, "busybox");

    ResultTable table = new ResultTable();
    int boots = boots(quick);
    double[] bootRatio = new double[boots];
    double[] memoryRatio = new double[boots];
    List<String> notes = new ArrayList<>();
    for (int i = 0; i < boots; i++) {
      host.checkOpen();
      progress.accept("boot " + (i + 1) + "/" + boots + ": jvs guest and VM");
      Instance g = startGuest(host);
      Instance v = bootVm(spec, dir.resolve("boot-" + i), host);
      for (Instance x : List.of(g, v)) {
        String system = x == g ? "jvs" : vm;
        table.add(system, "start_to_first_command", "ms", i, x.millis());
        table.add(system, "memory_per_instance", "KiB", i, x.memoryKib());
        table.add(system, "memavailable_drop", "KiB", i, x.memAvailableDropKib());
      }
      table.add(vm, "used_inside", "KiB", i, v.insideKib());
      bootRatio[i] = v.millis() / g.millis();
      memoryRatio[i] = v.memoryKib() / g.memoryKib();
      notes.add(
          String.format(
              "boot %d: jvs %.0f ms, %.0f KiB (cgroup + monitor PSS), MemAvailable %+.0f KiB;"
                  + " %s %.0f ms, %.0f KiB (QEMU PSS; %.0f KiB in use inside), MemAvailable %+.0f"
                  + " KiB",
              i + 1,
              g.millis(),
              g.memoryKib(),
              -g.memAvailableDropKib(),
              vm,
              v.millis(),
              v.memoryKib(),
              v.insideKib(),
              -v.memAvailableDropKib()));
    }
    double[] boot = MeanInterval.ofRatios(bootRatio);
    double[] memory = MeanInterval.ofRatios(memoryRatio);
    List<Claim> claims = new ArrayList<>();
    claims.add(
        new Claim(
            name(),
            "start to first command: " + vm + " / jvs",
            "a container starts without booting a kernel: jvs ahead of the VM (> 1x)",
            boot[0],
            boot[1],
            boot[2],
            1.0,
            true,
            "x"));
    claims.add(
        new Claim(
            name(),
            "host memory per instance: " + vm + " / jvs",
            "the paper: a VServer guest costs far less memory than a Xen domain (> 1x)",
            memory[0],
            memory[1],
            memory[2],
            1.0,
            true,
            "x"));

    progress.accept("lmbench rows: native vs " + vm);
    List<String> rows = LmProbe.ROWS;
    int rounds = rounds(quick);
    double[][] ratios = new double[rows.size()][rounds];
    List<String> nativeArgv = MicroBench.inCgroupOfItsOwn(host, probe);
    List<String> args = new ArrayList<>(List.of(String.valueOf(budgetMillis(quick))));
    args.addAll(LmProbe.TESTS);
    try (QemuVm machine = QemuVm.boot(spec, dir.resolve("micro"))) {
      for (int r = 0; r < rounds; r++) {
        host.checkOpen();
        progress.accept("round " + (r + 1) + "/" + rounds);
        Map<String, Double> nat = null;
        Map<String, Double> inVm = null;
        for (int k = 0; k < 2; k++) {
          if ((r + k) % 2 == 0) {
            List<String> argv = new ArrayList<>(nativeArgv);
            argv.add(host.scratch().resolve("jvs-lmdir").toString());
            argv.addAll(args);
            nat = LmProbe.parse("native", host.commands().check(argv, PROBE_TIMEOUT), rows);
          } else {
            inVm =
                LmProbe.parse(
                    vm,
                    machine.check(
                        "/jvs-lmprobe /jvs-lmdir " + String.join(" ", args), PROBE_TIMEOUT),
                    rows);
          }
        }
        for (int i = 0; i < rows.size(); i++) {
          String row = rows.get(i);
          table.add("native", row, unit(row), r, nat.get(row));
          table.add(vm, row, unit(row), r, inVm.get(row));
          ratios[i][r] = inVm.get(row) / nat.get(row);
        }
      }
    }
    double[][] mean = new double[1][rows.size()];
    double[][] low = new double[1][rows.size()];
    double[][] high = new double[1][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      double[] m = MeanInterval.ofRatios(ratios[i]);
      mean[0][i] = m[0];
      low[0][i] = m[1];
      high[0][i] = m[2];
      notes.add(
          String.format("%s: %s / native %.3fx [%.3f, %.3f]", rows.get(i), vm, m[0], m[1], m[2]));
    }
    guests.delete(GUEST, true);
    notes.add(0, accelNote(accel));
    notes.add(
        1,
        "start to first command: jvs starts a busybox system guest and runs `true` in it (exec);"
            + " the VM boots Debian's kernel "
            + kernel.version()
            + " with the same busybox rootfs as its initramfs ("
            + MEMORY_MIB
            + " MiB, "
            + CPUS
            + " vCPUs, virtio-serial channel) until its init runs commands. Memory per instance:"
            + " the guest's memory cgroup plus its monitor's PSS against QEMU's PSS (the whole VM"
            + " lives in that process; under TCG it includes the emulator's translation cache); MemAvailable's drop is in the CSV and above,"
            + " noisy on a shared host");
    notes.add(
        2,
        rounds
            + " interleaved rounds of jvs-lmprobe natively and in the VM ("
            + budgetMillis(quick)
            + " ms per test, best of 5 parts); the probe's files live in the VM's initramfs"
            + " (tmpfs), natively in the benchmark's scratch directory");
    Map<String, BarChart> figures = new LinkedHashMap<>();
    figures.put(
        "vm-micro",
        new BarChart(
            "lmbench rows in a QEMU VM ("
                + accel.name().toUpperCase()
                + (accel.kvm() ? "" : ": emulated CPU, not a fair comparison")
                + "): cost relative to native",
            "time per operation / native",
            rows,
            List.of(vm),
            mean,
            low,
            high,
            1.0));
    figures.put(
        "vm-cost",
        new BarChart(
            "what an instance costs: " + vm + " / jvs (above 1: the VM costs more)",
            "VM / jvs",
            List.of("start to first command", "host memory per instance"),
            List.of(vm + " / jvs"),
            new double[][] {{boot[0], memory[0]}},
            new double[][] {{boot[1], memory[1]}},
            new double[][] {{boot[2], memory[2]}},
            1.0));
    return new Output(table, claims, figures, notes);
  }

  private static String accelNote(Accelerator accel) {
    return accel.kvm()
        ? "QEMU with KVM: the VM's CPU figures compare fairly with native"
        : "QEMU with TCG (software emulation; "
            + accel.why()
            + "): the lmbench rows of the VM measure the emulator, not a hypervisor, and are no fair"
            + " CPU comparison; boot time and memory per instance are fair";
  }

  private static String unit(String row) {
    return row.endsWith("bandwidth") ? "ns/MiB" : "ns/op";
  }

  /**
   * One started instance: time to its first command, host memory, MemAvailable's drop and, for the
   * VM, MemTotal - MemAvailable inside it (KiB).
   */
  private record Instance(
      double millis, double memoryKib, double memAvailableDropKib, double insideKib) {}

  private static Instance startGuest(BenchHost host) throws InterruptedException {
    Guests guests = host.guests();
    ProcMemory.Meminfo before = ProcMemory.settled();
    long t0 = System.nanoTime();
    guests.start(GUEST, List.of(), Guests.Attach.DETACHED);
    int code = guests.exec(GUEST, List.of("true"), false);
    double millis = (System.nanoTime() - t0) / 1e6;
    if (code != 0) {
      throw new JvsException(GUEST + ": `true` exited " + code);
    }
    Thread.sleep(1000);
    ProcMemory.Meminfo after = ProcMemory.settled();
    Cgroup cg =
        host.cgroups()
            .find(host.dirs().cgroupParent(), GUEST.value())
            .orElseThrow(() -> new JvsException(GUEST + ": no cgroup while running"));
    long monitor =
        ProcessHandle.of(guests.status(GUEST).initPid())
            .flatMap(ProcessHandle::parent)
            .map(p -> ProcMemory.pss(p.pid()))
            .orElse(0L);
    double memory = (cg.usage().memoryBytes() + monitor) / 1024.0;
    guests.stop(GUEST, Duration.ZERO);
    return new Instance(millis, memory, (before.available() - after.available()) / 1024.0, 0);
  }

  /** MemTotal - MemAvailable of the VM's own /proc/meminfo, in KiB. */
  private static double usedInside(QemuVm vm) {
    long total = 0;
    long available = 0;
    for (String line : vm.check("cat /proc/meminfo", Duration.ofMinutes(1)).lines().toList()) {
      String[] f = line.split("\\s+");
      if (f[0].equals("MemTotal:")) {
        total = Long.parseLong(f[1]);
      } else if (f[0].equals("MemAvailable:")) {
        available = Long.parseLong(f[1]);
      }
    }
    return total - available;
  }

  private static Instance bootVm(QemuVm.Spec spec, Path dir, BenchHost host)
      throws InterruptedException {
    ProcMemory.Meminfo before = ProcMemory.settled();
    long t0 = System.nanoTime();
    try (QemuVm vm = QemuVm.boot(spec, dir)) {
      vm.check("true", Duration.ofMinutes(1));
      double millis = (System.nanoTime() - t0) / 1e6;
      host.onClose(vm::close);
      Thread.sleep(1000);
      ProcMemory.Meminfo after = ProcMemory.settled();
      return new Instance(
          millis,
          ProcMemory.pss(vm.pid()) / 1024.0,
          (before.available() - after.available()) / 1024.0,
          usedInside(vm));
    }
  }
}
