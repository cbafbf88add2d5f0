package dev.jvs.bench.net;

import dev.jvs.bench.BenchHost;
import dev.jvs.bench.Quartiles;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.JvsDirs;
import dev.jvs.launch.Launcher;
import dev.jvs.net.NetNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * `jvs bench net`: throughput and RTT per network mode against the host's own (native), the time
 * bridge plumbing adds to a start, HTB sharing between guests, and a leak check. Runs on a {@link
 * BenchHost} (its own root, so its own bridge and nft tables) with an {@link Outside} namespace of
 * its own, which the host's close removes.
 */
public final class NetBench {
  private static final int FIRST_PORT = 5201;

  /**
   * iperf3 counts TCP payload; HTB counts whole frames. A full segment at MTU 1500 carries 1448
   * payload bytes (TCP timestamps on) in a 1514-byte Ethernet frame.
   */
  private static final double FRAME_PER_PAYLOAD = 1514.0 / 1448.0;

  private final BenchHost host;
  private final JvsDirs dirs;
  private final Guests guests;
  private final Outside outside;
  private final Consumer<String> progress;
  private final List<String> out = new ArrayList<>();

  public NetBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
    dirs = host.dirs();
    guests = host.guests();
    outside = new Outside(NetNames.of(dirs.root()).tag());
    host.onClose(outside::close);
  }

  /** Runs everything; the report's lines. */
  public List<String> run(
      int seconds, int rounds, long linkMbit, int shapedGuests, int startRuns, long bandwidthMbit) {
    try {
      Files.createDirectories(dirs.root());
      Files.writeString(
          dirs.root().resolve("net.conf"),
          "subnet = 10.214." + outside.n() + ".0/24\nbandwidth = " + bandwidthMbit + "mbit\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i <= shapedGuests; i++) {
      outside.start("iperf3", "-s", "-p", Integer.toString(FIRST_PORT + i));
    }
    modes(seconds, rounds, linkMbit);
    host.checkOpen();
    plumbing(startRuns);
    host.checkOpen();
    shaping(seconds, shapedGuests, bandwidthMbit);
    stopAll();
    out.add("");
    List<String> left = leftovers();
    out.add("Left on the host after every guest stopped: " + (left.isEmpty() ? "nothing" : left));
    return out;
  }

  private void modes(int seconds, int rounds, long linkMbit) {
    progress.accept("throughput per mode");
    GuestName bridge = guest("bridge", Map.of("net.mode", "bridge"));
    GuestName hostIp =
        guest("hostip", Map.of("net.mode", "host-ip", "net.ip", "10.215." + outside.n() + ".5"));
    GuestName host = guest("host", Map.of("net.mode", "host"));
    GuestName routed = guest("routed", Map.of("net.mode", "bridge"));
    routeWithoutBridge(routed);
    ModeThroughput modes =
        new ModeThroughput(
            List.of(
                new ModeThroughput.Mode(
                    "native (host)",
                    () ->
                        Iperf.parse(
                            Outside.sh(
                                "iperf3 -J -c "
                                    + outside.address()
                                    + " -p "
                                    + FIRST_PORT
                                    + " -t "
                                    + seconds))),
                new ModeThroughput.Mode(
                    "bridge (veth+NAT)", () -> iperf(bridge, FIRST_PORT, seconds)),
                new ModeThroughput.Mode(
                    "routed veth (no bridge)", () -> iperf(routed, FIRST_PORT, seconds)),
                new ModeThroughput.Mode(
                    "host-ip (BPF hooks)", () -> iperf(hostIp, FIRST_PORT, seconds)),
                new ModeThroughput.Mode("host", () -> iperf(host, FIRST_PORT, seconds))),
            seconds);
    out.add(
        "Throughput, RTT and host CPU per GB to the outside host, one TCP stream (iperf3, "
            + seconds
            + " s runs): medians of "
            + rounds
            + " rounds' ratios to native, each round running every"
            + " mode back to back (RTT = mean tcp_info RTT under load)");
    out.add(
        "Link unshaped (a veth: as fast as the CPU, so a mode's extra work shows as"
            + " throughput):");
    out.addAll(ModeThroughput.table(modes.measure(rounds)));
    if (linkMbit > 0) {
      progress.accept("throughput per mode, link at " + linkMbit + " Mbit/s");
      outside.capLink(linkMbit);
      try {
        out.add(
            "Link with a line rate of "
                + linkMbit
                + " Mbit/s (HTB on the host's end, like a NIC; extra work shows as CPU):");
        out.addAll(ModeThroughput.table(modes.measure(rounds)));
      } finally {
        outside.capLink(0);
      }
    }
    for (GuestName g : List.of(bridge, routed, hostIp, host)) {
      guests.stop(g, Duration.ZERO);
    }
  }

  /**
   * The candidate datapath without the bridge hop (issue 15): a bridge guest's veth taken off the
   * bridge and routed by a /32, as a routed mode would plumb it. The guest keeps its gateway (a
   * local address of the host, which answers ARP for it on any link) and the subnet's masquerade;
   * its veth goes at its stop as usual.
   */
  private void routeWithoutBridge(GuestName g) {
    String veth = NetNames.of(dirs.root()).veth(g.toString());
    String ip =
        Outside.sh(
                "nsenter --net=/proc/"
                    + guests.status(g).initPid()
                    + "/ns/net ip -o -4 addr show dev eth0")
            .replaceAll("(?s).*inet (\\S+)/.*", "$1")
            .strip();
    Outside.sh("ip link set " + veth + " nomaster && ip route add " + ip + "/32 dev " + veth);
  }

  private void plumbing(int runs) {
    progress.accept("start time none vs bridge");
    GuestName none = GuestName.of("pnone");
    GuestName bridge = GuestName.of("pbridge");
    guests.build(none, "busybox");
    guests.build(bridge, "busybox");
    guests.set(bridge, Map.of("net.mode", "bridge"));
    long[] tNone = new long[runs];
    long[] tBridge = new long[runs];
    for (int i = 0; i < runs; i++) {
      tNone[i] = timeStart(none);
      tBridge[i] = timeStart(bridge);
    }
    // Again with another bridge guest running: the bridge and tables exist already.
    GuestName resident = guest("resident", Map.of("net.mode", "bridge"));
    long[] tWarm = new long[runs];
    long[] tNoneWarm = new long[runs];
    for (int i = 0; i < runs; i++) {
      tNoneWarm[i] = timeStart(none);
      tWarm[i] = timeStart(bridge);
    }
    guests.stop(resident, Duration.ZERO);
    double mNone = medianMillis(tNone);
    double mBridge = medianMillis(tBridge);
    double mNoneWarm = medianMillis(tNoneWarm);
    double mWarm = medianMillis(tWarm);
    long[] tIp = new long[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      Outside.sh("ip link show dev lo >/dev/null");
      tIp[i] = System.nanoTime() - t0;
    }
    out.add("");
    out.add(
        "Start-to-exit of an application guest running /bin/true, median of "
            + runs
            + " interleaved runs");
    out.add(String.format("  %-40s %8.1f ms", "net.mode=none (loopback only)", mNone));
    out.add(String.format("  %-40s %8.1f ms", "net.mode=bridge (only guest: + bridge)", mBridge));
    out.add(
        String.format(
            "  %-40s %8.1f ms  (x%.2f)",
            "added by bridge networking", mBridge - mNone, mBridge / mNone));
    out.add(String.format("  %-40s %8.1f ms", "with a bridge guest running: none", mNoneWarm));
    out.add(String.format("  %-40s %8.1f ms", "with a bridge guest running: bridge", mWarm));
    out.add(
        String.format(
            "  %-40s %8.1f ms  (x%.2f)",
            "added by bridge networking (bridge up)", mWarm - mNoneWarm, mWarm / mNoneWarm));
    out.add(
        String.format(
            "  %-40s %8.1f ms", "one exec of `ip` (cost per command)", medianMillis(tIp)));
  }

  private long timeStart(GuestName g) {
    long t0 = System.nanoTime();
    guests.start(g, List.of("/bin/true"), Guests.Attach.FOREGROUND, Launcher.Stdio.none());
    return System.nanoTime() - t0;
  }

  private void shaping(int seconds, int n, long bandwidthMbit) {
    progress.accept("HTB sharing between " + n + " guests");
    List<GuestName> gs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      gs.add(guest("htb" + i, Map.of("net.mode", "bridge", "net.rate", "10mbit")));
    }
    out.add("");
    out.add(
        "HTB egress shaping, tree bandwidth "
            + bandwidthMbit
            + "mbit, "
            + n
            + " guests sending at once for "
            + seconds
            + " s (Mbit/s per guest)");
    double[] equal = together(gs, seconds);
    double mean = Arrays.stream(equal).average().orElse(0);
    double spread = Arrays.stream(equal).map(x -> Math.abs(x / mean - 1)).max().orElse(0);
    out.add(
        String.format(
            "  equal rates (10mbit each):    %s   max deviation from equal %.1f %%",
            fmt(equal), spread * 100));

    long reserve = bandwidthMbit / 2;
    restart(gs.getFirst(), Map.of("net.rate", reserve + "mbit"));
    double[] reserved = together(gs, seconds);
    out.add(
        String.format(
            "  guest 0 reserves %dmbit:     %s   guest 0 gets %.1f %% of its reservation",
            reserve, fmt(reserved), reserved[0] / reserve * 100));

    long ceil = bandwidthMbit / 5;
    restart(gs.getFirst(), Map.of("net.rate", "10mbit", "net.ceil", ceil + "mbit"));
    double[] capped = together(gs, seconds);
    double alone = iperf(gs.getFirst(), FIRST_PORT, seconds).mbit();
    out.add(
        String.format(
            "  guest 0 ceil %dmbit:         %s   guest 0 alone %.1f = %.1f %% of ceil"
                + " (%.1f %% in frame bytes, which HTB counts)",
            ceil, fmt(capped), alone, alone / ceil * 100, alone * FRAME_PER_PAYLOAD / ceil * 100));
  }

  private static String fmt(double[] xs) {
    StringBuilder s = new StringBuilder();
    for (double x : xs) {
      s.append(String.format("%7.1f", x));
    }
    return s.toString();
  }

  /**
   * Mbit/s of each guest sending at once. Launching an exec takes a variable time on a busy host,
   * so every client waits for the same wall-clock second before it starts: averages of runs that
   * overlap only partly would add up to more than the tree's bandwidth.
   */
  private double[] together(List<GuestName> gs, int seconds) {
    long startAt = System.currentTimeMillis() / 1000 + 3;
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<Double>> fs = new ArrayList<>();
      for (int i = 0; i < gs.size(); i++) {
        GuestName g = gs.get(i);
        int port = FIRST_PORT + 1 + i;
        fs.add(
            CompletableFuture.supplyAsync(
                () ->
                    iperf(
                            g,
                            port,
                            seconds,
                            "while [ $(date +%s) -lt " + startAt + " ]; do usleep 10000; done; ")
                        .mbit(),
                pool));
      }
      return fs.stream().mapToDouble(CompletableFuture::join).toArray();
    }
  }

  private void restart(GuestName g, Map<String, String> keys) {
    guests.stop(g, Duration.ZERO);
    guests.set(g, keys);
    guests.start(g, List.of(), Guests.Attach.DETACHED);
  }

  private GuestName guest(String name, Map<String, String> keys) {
    GuestName g = GuestName.of(name);
    guests.build(g, "busybox");
    HostBinaries.install(dirs.guest(g).resolve("upper"), "/usr/bin/iperf3");
    guests.set(g, keys);
    guests.start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  private Iperf iperf(GuestName g, int port, int seconds) {
    return iperf(g, port, seconds, "");
  }

  private Iperf iperf(GuestName g, int port, int seconds, String before) {
    Path file = host.scratch().resolve("iperf-" + g + "-" + port + ".json");
    Launcher.Stdio stdio = Launcher.Stdio.toFile(file);
    guests.exec(
        g,
        List.of(
            "sh",
            "-c",
            before + "exec iperf3 -J -c " + outside.address() + " -p " + port + " -t " + seconds),
        false,
        stdio);
    try {
      return Iperf.parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double medianMillis(long[] nanos) {
    return Quartiles.median(nanos) / 1e6;
  }

  private void stopAll() {
    for (GuestStatus s : guests.list()) {
      if (s.state() == GuestStatus.State.RUNNING) {
        guests.stop(GuestName.of(s.name()), Duration.ZERO);
      }
    }
  }

  /** This root's links and nft tables still on the host. */
  private List<String> leftovers() {
    NetNames names = NetNames.of(dirs.root());
    List<String> left = new ArrayList<>();
    try (var s = Files.list(Path.of("/sys/class/net"))) {
      s.map(p -> p.getFileName().toString())
          .filter(names::owns)
          .forEach(l -> left.add("link " + l));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String family : List.of("ip", "inet", "bridge")) {
      try {
        Outside.sh("nft list table " + family + " " + names.table() + " >/dev/null 2>&1");
        left.add("nft table " + family + " " + names.table());
      } catch (IllegalStateException e) {
        // absent, as it should be
      }
    }
    return left;
  }
}
