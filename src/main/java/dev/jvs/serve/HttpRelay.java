package dev.jvs.serve;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;

/**
 * Hands an HTTP connection that arrived on the service's socket to the REST API's own unix socket
 * (docs/api.md): one socket for the native client and for curl, one HTTP implementation (Jetty)
 * behind it. Bytes are copied both ways until either side ends.
 */
final class HttpRelay {
  private static final int BUFFER = 64 * 1024;

  private final Path target;

  HttpRelay(Path target) {
    this.target = target;
  }

  /** Whether a connection whose first byte is {@code first} speaks HTTP (a method: GET, PUT…). */
  static boolean isHttp(int first) {
    return first >= 'A' && first <= 'Z'; // jvs-client's first line is "jvs-client 1"
  }

  /** Relays until both directions have ended; the caller closes {@code client}. */
  void relay(UnixSocket client, ExecutorService threads) throws IOException {
    try (SocketChannel api = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
      var toClient =
          threads.submit(
              () -> {
                ByteBuffer buf = ByteBuffer.allocate(BUFFER);
                try {
                  while (api.read(buf) >= 0) {
                    buf.flip();
                    byte[] chunk = new byte[buf.remaining()];
                    buf.get(chunk);
                    client.write(chunk);
                    buf.clear();
                  }
                } catch (IOException ignored) {
                  // the client went away: the other direction ends at the shutdown below
                } finally {
                  client.shutdown(); // wakes the read below; the client sees EOF
                }
                return null;
              });
      byte[] chunk = new byte[BUFFER];
      int n;
      try {
        while ((n = client.read(chunk)) > 0) {
          ByteBuffer buf = ByteBuffer.wrap(chunk, 0, n);
          while (buf.hasRemaining()) {
            api.write(buf);
          }
        }
        api.shutdownOutput();
      } catch (IOException e) {
        api.close(); // the API's side ends, and with it the copy towards the client
      }
      try {
        toClient.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException(e.getCause());
      }
    }
  }
}
