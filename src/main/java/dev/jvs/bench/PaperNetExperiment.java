package dev.jvs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvs.base.JvsException;
import dev.jvs.bench.net.HostBinaries;
import dev.jvs.bench.net.IperfReceive;
import dev.jvs.bench.net.Outside;
import dev.jvs.bench.vm.Accelerator;
import dev.jvs.bench.vm.DebianKernel;
import dev.jvs.bench.vm.QemuVm;
import dev.jvs.bench.vm.VmImage;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import dev.jvs.net.NetNames;
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
 * The paper's network figure: iperf3 TCP and UDP throughput and the receiver's CPU use, natively,
 * in jvs guests per network mode, in a runc container and in the QEMU VM. The sender is an iperf3
 * server in an {@link Outside} namespace of the run's own (reverse mode, -R, so the system under
 * test receives, as in the paper); nothing leaves the machine. Systems run in interleaved rounds
 * and each figure is a ratio to that round's native run.
 */
final class PaperNetExperiment implements PaperExperiment {
  private static final String IPERF = "/usr/bin/iperf3";
  private static final int PORT = 5201;
  private static final String NATIVE = "native";
  private static final List<String> PROTOCOLS = List.of("tcp", "udp");

  @Override
  public String name() {
    return "net";
  }

  @Override
  public String title() {
    return "network (the paper's iperf figure): TCP and UDP throughput and receiver CPU, native vs"
        + " jvs per net mode vs runc vs a QEMU VM";
  }

  @Override
  public Duration estimate(boolean quick) {
    return quick ? Duration.ofSeconds(60) : Duration.ofMinutes(8);
  }

  private static int seconds(boolean quick) {
    return quick ? 1 : 10;
  }

  private static int rounds(boolean quick) {
    return quick ? 2 : 5;
  }

  /** One receiving system: how it runs an iperf3 client, and its host-side CPU meter if any. */
  private interface Receiver {
    IperfReceive run(String iperfArgs);
  }

  private record Sys(String label, String server, Receiver receiver, Optional<QemuVm> vm) {}

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) throws Exception {
    String tag = NetNames.of(host.dirs().root()).tag();
    Outside outside = new Outside(tag);
    host.onClose(outside::close);
    Files.createDirectories(host.dirs().root());
    Files.writeString(
        host.dirs().root().resolve("net.conf"), "subnet = 10.214." + outside.n() + ".0/24\n");
    Path rootfs = host.templateRootfs();
    HostBinaries.install(rootfs, IPERF);
    outside.start("iperf3", "-s", "-p", String.valueOf(PORT));
    List<String> notes = new ArrayList<>();

    Map<String, Sys> systems = new LinkedHashMap<>();
    List<String> nativeArgv = MicroBench.inCgroupOfItsOwn(host, Path.of(IPERF));
    systems.put(
        NATIVE,
        new Sys(
            NATIVE,
            outside.address(),
            args -> {
              List<String> argv = new ArrayList<>(nativeArgv);
              argv.addAll(List.of(args.split(" ")));
              return IperfReceive.parse(host.commands().check(argv, Duration.ofMinutes(2)));
            },
            Optional.empty()));
    progress.accept("starting the jvs guests (bridge, host-ip)");
    GuestName bridge = guest(host, "nbridge", Map.of("net.mode", "bridge"));
    GuestName hostIp =
        guest(
            host,
            "nhostip",
            Map.of("net.mode", "host-ip", "net.ip", "10.215." + outside.n() + ".5"));
    systems.put(
        "jvs bridge",
        new Sys(
            "jvs bridge", outside.address(), args -> exec(host, bridge, args), Optional.empty()));
    systems.put(
        "jvs host-ip",
        new Sys(
            "jvs host-ip", outside.address(), args -> exec(host, hostIp, args), Optional.empty()));
    runc(host, outside, tag, rootfs, notes).ifPresent(s -> systems.put(s.label(), s));
    vm(host, quick, outside, tag, rootfs, notes, progress)
        .ifPresent(s -> systems.put(s.label(), s));
    notes.add(
        "jvs net.mode=host shares the host's network stack (it is native); net.mode=none has no"
            + " route out: n/a");

    int seconds = seconds(quick);
    int rounds = rounds(quick);
    List<String> names = List.copyOf(systems.keySet());
    // results[system][protocol][round]
    IperfReceive[][][] results = new IperfReceive[names.size()][PROTOCOLS.size()][rounds];
    double[][][] hostCpu = new double[names.size()][PROTOCOLS.size()][rounds];
    ResultTable table = new ResultTable();
    for (int r = 0; r < rounds; r++) {
      host.checkOpen();
      progress.accept("round " + (r + 1) + "/" + rounds);
      for (int k = 0; k < names.size(); k++) {
        int s = Math.floorMod(r + k, names.size());
        Sys sys = systems.get(names.get(s));
        for (int p = 0; p < PROTOCOLS.size(); p++) {
          String proto = PROTOCOLS.get(p);
          String args =
              "-J -R -c "
                  + sys.server()
                  + " -p "
                  + PORT
                  + " -t "
                  + seconds
                  + (proto.equals("udp") ? " -u -b 0" : "");
          double cpu0 = sys.vm().map(QemuVm::cpuSeconds).orElse(0.0);
          IperfReceive x = sys.receiver().run(args);
          results[s][p][r] = x;
          double gb = x.gigabytes(seconds);
          // The VM's receiver is all of QEMU on the host; elsewhere the receiving process.
          hostCpu[s][p][r] =
              sys.vm().isPresent()
                  ? (sys.vm().get().cpuSeconds() - cpu0) / gb
                  : x.receiverCpuPercent() / 100 * seconds / gb;
          table.add(sys.label(), proto + "_throughput", "Mbit/s", r, x.bitsPerSecond() / 1e6);
          table.add(sys.label(), proto + "_receiver_cpu", "s/GB", r, hostCpu[s][p][r]);
          table.add(sys.label(), proto + "_receiver_cpu", "%", r, x.receiverCpuPercent());
          table.add(sys.label(), proto + "_sender_cpu", "%", r, x.senderCpuPercent());
          if (proto.equals("udp")) {
            table.add(sys.label(), "udp_lost", "%", r, x.lostPercent());
          }
        }
      }
    }

    List<String> compared = names.subList(1, names.size());
    List<String> rows =
        List.of("TCP throughput", "UDP throughput", "TCP receiver CPU/GB", "UDP receiver CPU/GB");
    double[][][] m = new double[3][compared.size()][rows.size()];
    List<Claim> claims = new ArrayList<>();
    for (int c = 0; c < compared.size(); c++) {
      int s = c + 1;
      for (int p = 0; p < PROTOCOLS.size(); p++) {
        double[] tput = new double[rounds];
        double[] cpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          tput[r] = results[s][p][r].bitsPerSecond() / results[0][p][r].bitsPerSecond();
          cpu[r] = hostCpu[s][p][r] / hostCpu[0][p][r];
        }
        double[] t = MeanInterval.ofRatios(tput);
        double[] u = MeanInterval.ofRatios(cpu);
        for (int i = 0; i < 3; i++) {
          m[i][c][p] = t[i];
          m[i][c][p + 2] = u[i];
        }
        String proto = PROTOCOLS.get(p).toUpperCase();
        String system = compared.get(c);
        if (system.startsWith("jvs")) {
          claims.add(
              new Claim(
                  name(),
                  proto + " throughput: " + system + " / native",
                  "the paper: VServer matches native throughput (>= 0.95x)",
                  t[0],
                  t[1],
                  t[2],
                  0.95,
                  true,
                  "x"));
          claims.add(
              new Claim(
                  name(),
                  proto + " receiver CPU per GB: " + system + " / native",
                  "the paper: VServer's receiver CPU as native's (<= 1.10x)",
                  u[0],
                  u[1],
                  u[2],
                  1.10,
                  false,
                  "x"));
        } else {
          if (system.startsWith("vm")) {
            // the paper's Xen figure: the VM's receiver against the container's (jvs bridge)
            double[] vmToJvs = new double[rounds];
            for (int r = 0; r < rounds; r++) {
              vmToJvs[r] = hostCpu[s][p][r] / hostCpu[1][p][r];
            }
            double[] v = MeanInterval.ofRatios(vmToJvs);
            claims.add(
                new Claim(
                    name(),
                    proto + " receiver CPU per GB: " + system + " / jvs bridge",
                    "the paper: Xen's receiver CPU much higher than VServer's (> 1x)",
                    v[0],
                    v[1],
                    v[2],
                    1.0,
                    true,
                    "x"));
          }
          notes.add(
              String.format(
                  "%s %s: throughput / native %.3fx [%.3f, %.3f], receiver CPU per GB / native"
                      + " %.3fx [%.3f, %.3f]",
                  proto, system, t[0], t[1], t[2], u[0], u[1], u[2]));
        }
      }
    }
    for (int p = 0; p < PROTOCOLS.size(); p++) {
      for (int s = 0; s < names.size(); s++) {
        int pp = p;
        int ss = s;
        double[] mbit = new double[rounds];
        double[] lost = new double[rounds];
        double[] cpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          mbit[r] = results[ss][pp][r].bitsPerSecond() / 1e6;
          lost[r] = results[ss][pp][r].lostPercent();
          cpu[r] = hostCpu[ss][pp][r];
        }
        notes.add(
            String.format(
                "%s %s: %.0f Mbit/s, receiver CPU %.2f s/GB%s (medians)",
                PROTOCOLS.get(p).toUpperCase(),
                names.get(s),
                Quartiles.of(mbit).median(),
                Quartiles.of(cpu).median(),
                PROTOCOLS.get(p).equals("udp")
                    ? String.format(", %.1f %% lost", Quartiles.of(lost).median())
                    : ""));
      }
    }
    notes.add(
        rounds
            + " interleaved rounds of "
            + seconds
            + " s per system and protocol; one stream, iperf3 -R (the server in the run's outside"
            + " namespace sends, the system under test receives), UDP unthrottled (-b 0). Receiver"
            + " CPU per GB: the receiving iperf3's own CPU time (getrusage, as iperf3 reports it)"
            + " per GB received; for the VM all of QEMU's CPU time on the host (vCPUs, virtio,"
            + " emulation), since that is what the host pays for the VM's receiver. Softirq work"
            + " done in the sender's context (veth delivery) is charged to no receiver");
    Map<String, BarChart> figures = new LinkedHashMap<>();
    figures.put(
        "net",
        new BarChart(
            "iperf3 receiving: throughput and receiver CPU per GB relative to native (95 % CI)",
            "system / native", rows, compared, m[0], m[1], m[2], 1.0));
    for (GuestName g : List.of(bridge, hostIp)) {
      host.guests().stop(g, Duration.ZERO);
    }
    return new Output(table, claims, figures, notes);
  }

  private static GuestName guest(BenchHost host, String name, Map<String, String> keys) {
    GuestName g = GuestName.of(name);
    Guests guests = host.guests();
    guests.build(g, "busybox");
    guests.set(g, keys);
    guests.start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  private static IperfReceive exec(BenchHost host, GuestName g, String args) {
    Path file = host.scratch().resolve("iperf-" + g + ".json");
    Launcher.Stdio stdio = Launcher.Stdio.toFile(file);
    List<String> argv = new ArrayList<>(List.of(IPERF));
    argv.addAll(List.of(args.split(" ")));
    host.guests().exec(g, argv, false, stdio);
    try {
      return IperfReceive.parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    } catch (IllegalStateException e) {
      throw new JvsException(g + ": " + e.getMessage(), e);
    }
  }

  /**
   * runc in a network namespace of the run's own with a veth pair into the outside namespace, as a
   * CNI-less setup would give it: a fresh container per run (`runc run`), like the micro bench.
   */
  private static Optional<Sys> runc(
      BenchHost host, Outside outside, String tag, Path rootfs, List<String> notes) {
    Optional<OciRuntime> found =
        OciRuntime.find("runc", host.scratch().resolve("runc-state"), host.commands());
    if (found.isEmpty()) {
      notes.add("runc is not installed: no runc column");
      return Optional.empty();
    }
    OciRuntime runc = found.get();
    host.onClose(runc::deleteAll);
    String netns = "jvsr" + tag;
    String link = "jvsy" + tag;
    host.onClose(() -> Outside.sh("ip netns del " + netns + " 2>/dev/null || true"));
    Outside.sh("ip netns add " + netns);
    Outside.sh("ip link add " + link + " type veth peer name eth0 netns " + netns);
    Outside.sh("ip link set " + link + " netns " + outside.netns());
    String peer = "198.19." + outside.n() + ".1";
    outside.inside("ip addr add " + peer + "/30 dev " + link);
    outside.inside("ip link set " + link + " up");
    String in = "ip netns exec " + netns + " ";
    Outside.sh(in + "ip link set lo up");
    Outside.sh(in + "ip addr add 198.19." + outside.n() + ".2/30 dev eth0");
    Outside.sh(in + "ip link set eth0 up");
    Map<String, Path> bundles = new LinkedHashMap<>();
    String label = "runc (netns+veth)";
    return Optional.of(
        new Sys(
            label,
            peer,
            args -> {
              Path bundle =
                  bundles.computeIfAbsent(
                      args, a -> bundle(host, runc, rootfs, netns, a, bundles.size()));
              String out =
                  host.commands()
                      .check(
                          runc.base("run", "--bundle", bundle.toString(), runc.newId("net")),
                          Duration.ofMinutes(2));
              return IperfReceive.parse(out);
            },
            Optional.empty()));
  }

  private static Path bundle(
      BenchHost host, OciRuntime runc, Path rootfs, String netns, String args, int n) {
    List<String> argv = new ArrayList<>(List.of(IPERF));
    argv.addAll(List.of(args.split(" ")));
    Path dir = runc.bundle(host.scratch().resolve("runc-net-" + n), rootfs, argv);
    Path config = dir.resolve("config.json");
    try {
      ObjectMapper json = new ObjectMapper();
      ObjectNode spec = (ObjectNode) json.readTree(config.toFile());
      for (var ns : spec.path("linux").path("namespaces")) {
        if (ns.path("type").asText().equals("network")) {
          ((ObjectNode) ns).put("path", "/var/run/netns/" + netns);
        }
      }
      json.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), spec);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(config + ": " + e.getMessage(), e);
    }
  }

  /**
   * The VM with a virtio-net NIC on a tap device in the outside namespace (QEMU runs there), so its
   * traffic goes through QEMU and the tap as a hypervisor's does; skipped in --quick under TCG.
   */
  private static Optional<Sys> vm(
      BenchHost host,
      boolean quick,
      Outside outside,
      String tag,
      Path rootfs,
      List<String> notes,
      Consumer<String> progress) {
    Path dir = host.scratch().resolve("vm");
    DebianKernel kernel = DebianKernel.fetch(dir); // cached; KVM is tried by booting it
    Accelerator accel = Accelerator.detect("qemu-system-x86_64", kernel);
    String label = "vm-" + accel.name() + " (virtio-net, tap)";
    if (!accel.kvm()) {
      notes.add(
          "the VM runs under TCG ("
              + accel.why()
              + "): its throughput and CPU measure the emulator, not a hypervisor");
      if (quick) {
        String why = "VM skipped in --quick under TCG (its boot alone takes 10-30 s here)";
        progress.accept(why);
        notes.add(why);
        return Optional.empty();
      }
    }
    progress.accept("booting the VM (" + accel.name() + ")");
    Path initramfs = VmImage.build(dir, kernel, rootfs, Map.of(), List.of());
    String tap = "jvsq" + tag;
    String peer = "198.19." + outside.n() + ".5";
    QemuVm vm =
        QemuVm.boot(
            new QemuVm.Spec(
                kernel,
                initramfs,
                accel,
                256,
                2,
                Optional.of(
                    new QemuVm.Nic(outside.netns(), tap, "198.19." + outside.n() + ".6/30")),
                Map.of("JVS_ROOT", host.dirs().root().toString())),
            dir.resolve("net"));
    host.onClose(vm::close);
    outside.inside("ip addr add " + peer + "/30 dev " + tap);
    outside.inside("ip link set " + tap + " up");
    return Optional.of(
        new Sys(
            label,
            peer,
            args -> {
              try {
                return IperfReceive.parse(vm.check(IPERF + " " + args, Duration.ofMinutes(3)));
              } catch (IllegalStateException e) {
                throw new JvsException("vm: " + e.getMessage(), e);
              }
            },
            Optional.of(vm)));
  }
}
