package dev.jvs.migrate;

import dev.jvs.base.JvsException;
import dev.jvs.kernel.SocketPair;
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
 * The source's end of post-copy on the link (docs/migration.md). criu's page server listens on no
 * port: it serves on one end of a socket pair whose other end the relay holds. The relay listens on
 * the source's address toward the destination, lets in one connection, from the destination's
 * address, and passes the page traffic both ways.
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
  private final SocketPair criu;
  private final CompletableFuture<Boolean> outcome = new CompletableFuture<>();
  private Socket client;
  private boolean rolledBack;
  private boolean closed;

  private PageRelay(ServerSocket listener, InetAddress peer, SocketPair criu) {
    this.listener = listener;
    this.peer = peer;
    this.criu = criu;
  }

  /**
   * Listens on {@code local} (an ephemeral port) for {@code peer}, to relay to criu's page server
   * on the other end of {@code criu}.
   */
  static PageRelay open(InetAddress local, InetAddress peer, SocketPair criu) {
    try {
      PageRelay relay = new PageRelay(new ServerSocket(0, 4, local), peer, criu);
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
    synchronized (this) {
      closeQuietly(listener);
      if (closed) {
        return; // criu's end is closed: its page server has failed already
      }
      rolledBack = true;
    }
    refuse(criu);
  }

  @Override
  public synchronized void close() {
    closed = true;
    outcome.complete(false);
    closeQuietly(listener);
    closeQuietly(client);
    criu.close();
  }

  private void serve() {
    try {
      Socket c = acceptPeer();
      // a cut link sends no reset: keepalive notices it within seconds
      c.setKeepAlive(true);
      c.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 5);
      c.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 2);
      c.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
      synchronized (this) {
        if (closed || rolledBack) {
          c.close();
          return;
        }
        client = c;
      }
      Thread.ofPlatform().daemon().name("jvs-page-relay-pages").start(() -> pages(criu, c));
      requests(c, criu);
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
  private static void pages(SocketPair criu, Socket client) {
    try {
      InputStream in = criu.in();
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
  private void requests(Socket client, SocketPair criu) throws IOException {
    InputStream in = client.getInputStream();
    OutputStream out = criu.out();
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

  private static void refuse(SocketPair toCriu) {
    byte[] m = new byte[MESSAGE];
    ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putInt(0, REFUSED);
    try {
      OutputStream out = toCriu.out();
      synchronized (toCriu) {
        out.write(m);
        out.flush();
      }
    } catch (IOException e) {
      // criu is gone already
    }
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
