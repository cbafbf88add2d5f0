package dev.jvs.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * {@link PageRelay} over real loopback sockets, a listening socket standing in for criu's page
 * server: requests and pages pass, the daemon's close waits for the outcome, a rollback or a
 * hang-up without a close reaches criu as a command it refuses, and only the destination's address
 * gets in.
 */
class PageRelayTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int GET = 7;
  private static final int CLOSE = 0x1023;
  private static final int REFUSED = 0xdead;

  @Test
  void requestsAndPagesPassAndTheCloseWaitsForTheCommit() throws Exception {
    try (ServerSocket criu = new ServerSocket(0, 1, LOOPBACK);
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu.getLocalPort());
        Socket daemon = connect(relay, LOOPBACK)) {
      Socket server = criu.accept();
      daemon.getOutputStream().write(message(GET));
      assertThat(command(server.getInputStream())).isEqualTo(GET);
      server.getOutputStream().write(new byte[] {1, 2, 3});
      assertThat(daemon.getInputStream().readNBytes(3)).containsExactly(1, 2, 3);

      daemon.getOutputStream().write(message(CLOSE));
      server.setSoTimeout(300);
      assertThat(readsNothing(server.getInputStream())).as("held until the outcome").isTrue();
      relay.commit();
      server.setSoTimeout(10_000);
      assertThat(command(server.getInputStream())).isEqualTo(CLOSE);
      daemon.close();
      assertThat(server.getInputStream().read()).as("the hang-up after the close").isEqualTo(-1);
      server.close();
    }
  }

  @Test
  void aRollbackReachesCriuAsARefusedCommandInsteadOfTheClose() throws Exception {
    try (ServerSocket criu = new ServerSocket(0, 1, LOOPBACK);
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu.getLocalPort());
        Socket daemon = connect(relay, LOOPBACK)) {
      Socket server = criu.accept();
      server.setSoTimeout(10_000);
      daemon.getOutputStream().write(message(CLOSE));
      relay.rollback();
      assertThat(command(server.getInputStream())).isEqualTo(REFUSED);
      server.close();
    }
  }

  @Test
  void aHangUpWithoutACloseAfterTheCommitIsRefusedNotPassedOn() throws Exception {
    try (ServerSocket criu = new ServerSocket(0, 1, LOOPBACK);
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu.getLocalPort());
        Socket daemon = connect(relay, LOOPBACK)) {
      Socket server = criu.accept();
      server.setSoTimeout(10_000);
      relay.commit();
      daemon.close(); // pages were still missing there
      assertThat(command(server.getInputStream())).isEqualTo(REFUSED);
      server.close();
    }
  }

  @Test
  void aRollbackBeforeAnyConnectionStillMakesCriuFail() throws Exception {
    try (ServerSocket criu = new ServerSocket(0, 1, LOOPBACK);
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu.getLocalPort())) {
      relay.rollback();
      Socket server = criu.accept();
      server.setSoTimeout(10_000);
      assertThat(command(server.getInputStream())).isEqualTo(REFUSED);
      server.close();
    }
  }

  @Test
  void onlyTheDestinationsAddressGetsIn() throws Exception {
    InetAddress other = InetAddress.getByName("127.0.0.2");
    try (ServerSocket criu = new ServerSocket(0, 1, LOOPBACK);
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu.getLocalPort());
        Socket stranger = connect(relay, other)) {
      stranger.setSoTimeout(10_000);
      assertThat(stranger.getInputStream().read()).as("closed unread").isEqualTo(-1);
      try (Socket daemon = connect(relay, LOOPBACK)) {
        Socket server = criu.accept();
        server.setSoTimeout(10_000);
        daemon.getOutputStream().write(message(GET));
        assertThat(command(server.getInputStream())).isEqualTo(GET);
        server.close();
      }
    }
  }

  private static Socket connect(PageRelay relay, InetAddress from) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(from, 0));
    s.connect(relay.address(), 10_000);
    return s;
  }

  private static byte[] message(int cmd) {
    byte[] m = new byte[32];
    ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putInt(0, cmd);
    return m;
  }

  private static int command(InputStream in) throws IOException {
    byte[] m = in.readNBytes(32);
    assertThat(m).hasSize(32);
    return ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).getInt(0);
  }

  private static boolean readsNothing(InputStream in) throws IOException {
    try {
      in.read();
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    }
  }
}
