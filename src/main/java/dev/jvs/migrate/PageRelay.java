package dev.jvs.migrate;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import jdk.net.ExtendedSocketOptions;

/**
 * The source's end of post-copy on the link (docs/migration.md). criu's page server listens on this
 * namespace's loopback only; the relay listens on the source's address toward the destination, lets
 * in one connection, from the destination's address, and passes the page traffic both ways.
 *
 * <p>What the destination's lazy-pages daemon says last, {@code PS_IOV_CLOSE} ("all fetched"), or
 * its hanging up, makes criu kill the tree here. The relay holds either until the migration's
 * outcome is known: {@link #commit()} passes a close on; {@link #rollback()}, or a hang-up without
 * a close, sends criu a command it refuses instead, so that its page server fails and criu resumes
 * the tree here.
 */
final class PageRelay implements AutoCloseable {
  /**
   * struct page_server_iov (criu 4.x page-xfer.c): u32 cmd, padding, u64 nr_pages, u64 vaddr, u64
   * dst_id, in host byte order.
   */
  private static final int MESSAGE = 32;

  private static final int PS_IOV_CLOSE = 0x1023;
  private static final int PS_IOV_FORCE_CLOSE = 0x1024;

  /** No page-server command: criu answers it by failing. */
  private static final int REFUSED = 0xdead;

  private final ServerSocket listener;
  private final InetAddress peer;
  private final int criuPort;
  private final CompletableFuture<Boolean> outcome = new CompletableFuture<>();
  private Socket client;
  private Socket criu;
  private boolean closed;

  private PageRelay(ServerSocket listener, InetAddress peer, int criuPort) {
    this.listener = listener;
    this.peer = peer;
    this.criuPort = criuPort;
  }

  /**
   * Listens on {@code local} (an ephemeral port) for {@code peer}, to relay to criu's page server
   * on loopback port {@code criuPort}.
   */
  static PageRelay open(InetAddress local, InetAddress peer, int criuPort) {
    try {
      PageRelay relay = new PageRelay(new ServerSocket(0, 4, local), peer, criuPort);
      Thread.ofPlatform().daemon().name("jvs-page-relay").start(relay::serve);
      return relay;
    } catch (IOException e) {
      throw new JvsException("page relay on " + local.getHostAddress() + ": " + e.getMessage(), e);
    }
  }

  /** Where the destination's lazy-pages daemon connects. */
  InetSocketAddress address() {
    return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
  }

  /** The tree runs at the destination: what its daemon says last reaches criu. */
  void commit() {
    outcome.complete(true);
  }

  /** The migration failed: criu's page server fails, and criu resumes the tree here. */
  void rollback() {
    outcome.complete(false);
    Socket toCriu;
    synchronized (this) {
      closeQuietly(listener);
      if (criu == null && !closed) {
        try {
          criu = connectToCriu();
        } catch (IOException e) {
          return; // criu is gone: nothing to make fail
        }
      }
      toCriu = criu;
    }
    if (toCriu != null) {
      refuse(toCriu);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    outcome.complete(false);
    closeQuietly(listener);
    closeQuietly(client);
    closeQuietly(criu);
  }

  private void serve() {
    try {
      Socket c = acceptPeer();
      // a cut link sends no reset: keepalive notices it within seconds
      c.setKeepAlive(true);
      c.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 5);
      c.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 2);
      c.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
      Socket s;
      synchronized (this) {
        if (closed || criu != null) { // rolled back meanwhile
          c.close();
          return;
        }
        client = c;
        criu = s = connectToCriu();
      }
      Socket fromCriu = s;
      Thread.ofPlatform().daemon().name("jvs-page-relay-pages").start(() -> pages(fromCriu, c));
      requests(c, s);
    } catch (IOException e) {
      // closed (rollback, close) or the link failed; requests() decides what criu hears
    }
  }

  /** The first connection from the destination; any other is closed at once. */
  private Socket acceptPeer() throws IOException {
    while (true) {
      Socket c = listener.accept();
      if (c.getInetAddress().equals(peer)) {
        listener.close();
        return c;
      }
      c.close(); // only the destination may fetch the guest's memory
    }
  }

  /** criu's answers (page headers and pages) to the destination, as they come. */
  private static void pages(Socket criu, Socket client) {
    try (InputStream in = criu.getInputStream()) {
      OutputStream out = client.getOutputStream();
      in.transferTo(out);
      client.shutdownOutput();
    } catch (IOException e) {
      // either end closed
    }
  }

  /**
   * The daemon's requests to criu, message by message. Its close waits for the outcome; a hang-up
   * before it (the daemon died, the link failed) means pages are missing there: criu is made to
   * fail, so that it does not kill the tree here as if all had been fetched.
   */
  private void requests(Socket client, Socket criu) throws IOException {
    InputStream in = client.getInputStream();
    OutputStream out = criu.getOutputStream();
    boolean closeSent = false;
    while (true) {
      byte[] m;
      try {
        m = in.readNBytes(MESSAGE);
      } catch (IOException e) {
        m = new byte[0]; // the link failed: as a hang-up
      }
      if (m.length < MESSAGE) {
        if (closeSent) {
          criu.shutdownOutput(); // the end after the close, passed on
        } else if (awaitOutcome()) {
          refuse(criu); // committed, yet not all fetched
        }
        return; // else rollback() made criu fail
      }
      int cmd = command(m);
      if ((cmd == PS_IOV_CLOSE || cmd == PS_IOV_FORCE_CLOSE) && !awaitOutcome()) {
        return; // rollback() made criu fail
      }
      synchronized (criu) {
        out.write(m);
        out.flush();
      }
      closeSent |= cmd == PS_IOV_CLOSE || cmd == PS_IOV_FORCE_CLOSE;
    }
  }

  private boolean awaitOutcome() {
    try {
      return outcome.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private void refuse(Socket toCriu) {
    byte[] m = new byte[MESSAGE];
    ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putInt(0, REFUSED);
    try {
      OutputStream out = toCriu.getOutputStream();
      synchronized (toCriu) {
        out.write(m);
        out.flush();
      }
    } catch (IOException e) {
      // criu is gone already
    }
  }

  private Socket connectToCriu() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), criuPort), 5000);
    return s;
  }

  private static int command(byte[] m) {
    return ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).getInt(0) & 0xffff;
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      // closing
    }
  }
}
