package dev.jvs.bench.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * "The internet" for a test or benchmark: a network namespace ("jvst" + tag) joined to the host by
 * a veth pair ("jvsx" + tag), addresses 198.18.N.1 (host end) and 198.18.N.2 (outside end) from the
 * benchmarking range, so no traffic leaves the machine.
 */
public final class Outside implements AutoCloseable {
  private final String netns;
  private final String link;
  private final int n;
  private final List<Process> servers = new ArrayList<>();

  /** {@code tag}: 8 hex digits (a root's NetNames tag) naming the namespace and link. */
  public Outside(String tag) {
    netns = "jvst" + tag;
    link = "jvsx" + tag;
    n = Integer.parseInt(tag.substring(0, 2), 16);
    try {
      sh("ip netns add " + netns);
      sh("ip link add " + link + " type veth peer name eth0 netns " + netns);
      sh("ip addr add " + hostAddress() + "/30 dev " + link);
      sh("ip link set " + link + " up");
      inside("ip link set lo up");
      inside("ip addr add " + address() + "/30 dev eth0");
      inside("ip link set eth0 up");
      inside("ip route add default via " + hostAddress());
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  public int n() {
    return n;
  }

  /** The namespace's name, for `ip netns exec` and for links moved into it. */
  public String netns() {
    return netns;
  }

  public String address() {
    return "198.18." + n + ".2";
  }

  public String hostAddress() {
    return "198.18." + n + ".1";
  }

  /**
   * Gives the host's link to the outside a line rate, as a NIC has (HTB on the host end, which
   * every mode's traffic to the outside leaves by); {@code mbit} 0 takes it away.
   */
  public void capLink(long mbit) {
    if (mbit == 0) {
      sh("tc qdisc del dev " + link + " root 2>/dev/null || true");
      return;
    }
    sh("tc qdisc replace dev " + link + " root handle 1: htb default 1");
    sh(
        "tc class replace dev "
            + link
            + " parent 1: classid 1:1 htb rate "
            + mbit
            + "mbit ceil "
            + mbit
            + "mbit quantum 60000");
  }

  /** Starts a server process inside (killed at close). */
  public void start(String... argv) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    cmd.addAll(List.of(argv));
    try {
      servers.add(
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start());
      Thread.sleep(300);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs a shell command inside; its output. */
  public String inside(String command) {
    return sh("ip netns exec " + netns + " " + command);
  }

  /** Runs a shell command on the host; its output, or an exception naming it. */
  public static String sh(String command) {
    try {
      Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(command + ": " + out.strip());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (Process p : servers) {
      p.destroyForcibly();
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String c : List.of("ip link del " + link, "ip netns del " + netns)) {
      try {
        sh(c);
      } catch (IllegalStateException e) {
        // already gone
      }
    }
  }
}
