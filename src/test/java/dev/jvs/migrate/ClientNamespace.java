package dev.jvs.migrate;

import dev.jvs.kernel.Libc;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A third network namespace ("jvsmc" + the pair's tag) linked to each host of a {@link HostPair} by
 * a veth pair of its own (198.19.N.5/.6 to a, .9/.10 to b): the client of a guest that moves
 * between the two. Its connections come from an address of its own (198.19.N.14 on its loopback,
 * which both hosts route to it), not from one of the links, so either host can answer them. Which
 * host it reaches the guests' subnet through is its route, as a routing update would set it after a
 * migration. {@link #close()} deletes it, and the veths with it.
 */
final class ClientNamespace implements AutoCloseable {
  private static final int CLONE_NEWNET = 0x40000000;

  private final HostPair pair;
  private final String netns;
  private final String prefix;

  ClientNamespace(HostPair pair, String tag) {
    this.pair = pair;
    this.netns = "jvsmc" + tag;
    this.prefix = "198.19." + Integer.parseInt(tag.substring(0, 2), 16) + ".";
    try {
      sh("ip netns add " + netns);
      sh("ip -n " + netns + " link set lo up");
      sh("ip -n " + netns + " addr add " + address() + "/32 dev lo");
      link(pair.a(), "a", 4);
      link(pair.b(), "b", 8);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Routes {@code subnet} through {@code side} (its end of this namespace's link to it). */
  void route(String subnet, HostPair.Side side) {
    boolean toA = side == pair.a();
    sh(
        "ip -n "
            + netns
            + " route replace "
            + subnet
            + " via "
            + prefix
            + (toA ? 5 : 9)
            + " dev "
            + netns
            + (toA ? "a" : "b"));
  }

  /**
   * A TCP connection from this namespace (its socket made by a thread that entered it; the socket
   * stays there), retried until the server listens.
   */
  Socket connect(String ip, int port, Duration patience) throws Exception {
    CompletableFuture<Socket> made = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("jvs-test-client-netns")
        .start(
            () -> {
              try {
                made.complete(connectHere(ip, port, patience));
              } catch (Exception e) {
                made.completeExceptionally(e);
              }
            });
    try {
      return made.get();
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  String name() {
    return netns;
  }

  @Override
  public void close() {
    if (java.nio.file.Files.exists(java.nio.file.Path.of("/run/netns", netns))) {
      sh("ip netns del " + netns);
    }
  }

  private Socket connectHere(String ip, int port, Duration patience) throws Exception {
    int fd =
        (int)
            Libc.open("/run/netns/" + netns, Libc.O_RDONLY | Libc.O_CLOEXEC, 0)
                .orThrow("open", "/run/netns/" + netns);
    try {
      Libc.setns(fd, CLONE_NEWNET).orThrow("setns", netns);
    } finally {
      Libc.close(fd);
    }
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      Socket s = new Socket();
      try {
        s.bind(new InetSocketAddress(address(), 0));
        s.connect(new InetSocketAddress(ip, port));
        return s;
      } catch (ConnectException e) {
        s.close();
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Host {@code side} at .N+1, this namespace at .N+2 of a /30. */
  private void link(HostPair.Side side, String end, int n) {
    String here = netns + end;
    sh(
        "ip -n "
            + netns
            + " link add "
            + here
            + " type veth peer name "
            + netns
            + " netns "
            + side.netns());
    sh("ip -n " + side.netns() + " addr add " + prefix + (n + 1) + "/30 dev " + netns);
    sh("ip -n " + side.netns() + " link set " + netns + " up");
    sh("ip -n " + netns + " addr add " + prefix + (n + 2) + "/30 dev " + here);
    sh("ip -n " + netns + " link set " + here + " up");
    sh("ip -n " + side.netns() + " route add " + address() + "/32 via " + prefix + (n + 2));
  }

  /** The client's own address. */
  private String address() {
    return prefix + 14;
  }

  private static void sh(String command) {
    HostPair.shell(command);
  }
}
