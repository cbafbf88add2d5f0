package dev.jvs.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.kernel.Libc;
import dev.jvs.kernel.SocketPair;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * {@link PageRelay} over real sockets: the destination's daemon on loopback, the other end of a
 * socket pair standing in for criu's page server (as criu's --ps-socket holds it): requests and
 * pages pass, the daemon's close waits for the outcome, a rollback or a hang-up without a close
 * reaches criu as a command it refuses, and only the destination's address gets in.
 */
class PageRelayTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int GET = 7;
  private static final int CLOSE = 0x1023;
  private static final int REFUSED = 0xdead;

  @Test
  void requestsAndPagesPassAndTheCloseWaitsForTheCommit() throws Exception {
    SocketPair[] criu = SocketPair.open();
    try (SocketPair server = criu[1];
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu[0]);
        Socket daemon = connect(relay, LOOPBACK)) {
      daemon.getOutputStream().write(message(GET));
      assertThat(command(server)).isEqualTo(GET);
      server.out().write(new byte[] {1, 2, 3});
      assertThat(daemon.getInputStream().readNBytes(3)).containsExactly(1, 2, 3);

      daemon.getOutputStream().write(message(CLOSE));
      assertThat(Libc.pollIn(server.fd(), 300)).as("held until the outcome").isFalse();
      relay.commit();
      assertThat(command(server)).isEqualTo(CLOSE);
      daemon.close();
      assertThat(Libc.pollIn(server.fd(), 10_000)).isTrue();
      assertThat(server.in().read()).as("the hang-up after the close").isEqualTo(-1);
    }
  }

  @Test
  void aRollbackReachesCriuAsARefusedCommandInsteadOfTheClose() throws Exception {
    SocketPair[] criu = SocketPair.open();
    try (SocketPair server = criu[1];
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu[0]);
        Socket daemon = connect(relay, LOOPBACK)) {
      daemon.getOutputStream().write(message(CLOSE));
      relay.rollback();
      assertThat(command(server)).isEqualTo(REFUSED);
    }
  }

  @Test
  void aHangUpWithoutACloseAfterTheCommitIsRefusedNotPassedOn() throws Exception {
    SocketPair[] criu = SocketPair.open();
    try (SocketPair server = criu[1];
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu[0]);
        Socket daemon = connect(relay, LOOPBACK)) {
      relay.commit();
      daemon.close(); // pages were still missing there
      assertThat(command(server)).isEqualTo(REFUSED);
    }
  }

  @Test
  void aRollbackBeforeAnyConnectionStillMakesCriuFail() throws Exception {
    SocketPair[] criu = SocketPair.open();
    try (SocketPair server = criu[1];
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu[0])) {
      relay.rollback();
      assertThat(command(server)).isEqualTo(REFUSED);
    }
  }

  @Test
  void onlyTheDestinationsAddressGetsIn() throws Exception {
    InetAddress other = InetAddress.getByName("127.0.0.2");
    SocketPair[] criu = SocketPair.open();
    try (SocketPair server = criu[1];
        PageRelay relay = PageRelay.open(LOOPBACK, LOOPBACK, criu[0]);
        Socket stranger = connect(relay, other)) {
      stranger.setSoTimeout(10_000);
      assertThat(stranger.getInputStream().read()).as("closed unread").isEqualTo(-1);
      try (Socket daemon = connect(relay, LOOPBACK)) {
        daemon.getOutputStream().write(message(GET));
        assertThat(command(server)).isEqualTo(GET);
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

  private static int command(SocketPair criu) throws IOException {
    assertThat(Libc.pollIn(criu.fd(), 10_000)).as("a message for criu").isTrue();
    byte[] m = criu.in().readNBytes(32);
    assertThat(m).hasSize(32);
    return ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).getInt(0);
  }
}
