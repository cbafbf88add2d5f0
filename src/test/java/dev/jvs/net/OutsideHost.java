package dev.jvs.net;

import dev.jvs.bench.net.Outside;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The outside host ({@link Outside}) of one test, named after its root; and its own subnet. */
final class OutsideHost implements AutoCloseable {
  private final Outside outside;
  private final List<Path> servedDirs = new ArrayList<>();
  final int n;

  OutsideHost(TestHost host) {
    outside = new Outside(NetNames.of(host.dirs().root()).tag());
    n = outside.n();
  }

  /** A bridge subnet of the test's own, written to its root's net.conf with {@code extra}. */
  static Subnet useOwnSubnet(TestHost host, String extra) {
    int n = Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 2), 16);
    Subnet s = Subnet.parse("10.211." + n + ".0/24");
    Path conf = host.dirs().root().resolve("net.conf");
    try {
      Files.createDirectories(conf.getParent());
      Files.writeString(conf, "subnet = " + s + "\n" + extra);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return s;
  }

  String address() {
    return outside.address();
  }

  String hostAddress() {
    return outside.hostAddress();
  }

  /** A busybox httpd on the outside at {@code port}, serving index.html with {@code body}. */
  void serve(int port, String body) throws IOException {
    Path www = Files.createTempDirectory("jvs-www");
    servedDirs.add(www);
    Files.writeString(www.resolve("index.html"), body + "\n");
    outside.start("busybox", "httpd", "-f", "-p", Integer.toString(port), "-h", www.toString());
  }

  void startIperfServer(int port) {
    outside.start("iperf3", "-s", "-p", Integer.toString(port));
  }

  String inside(String command) {
    return outside.inside(command);
  }

  static String sh(String command) {
    return Outside.sh(command);
  }

  @Override
  public void close() {
    outside.close();
    for (Path www : servedDirs) {
      try {
        Files.deleteIfExists(www.resolve("index.html"));
        Files.deleteIfExists(www);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
