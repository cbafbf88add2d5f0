package dev.jvs.oci.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** A verb's stdout or stderr, sent to the client as {@code out}/{@code err} lines on flush. */
final class FrameStream extends OutputStream {
  private static final int CHUNK = 16 * 1024; // well under jvs-init's 1 MiB line limit

  private final ClientSession session;
  private final String name;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  FrameStream(ClientSession session, String name) {
    this.session = session;
    this.name = name;
  }

  @Override
  public synchronized void write(int b) throws IOException {
    pending.write(b);
    if (pending.size() >= CHUNK) {
      flush();
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    pending.write(b, off, len);
    if (pending.size() >= CHUNK) {
      flush();
    }
  }

  @Override
  public synchronized void flush() throws IOException {
    byte[] all = pending.toByteArray();
    pending.reset();
    for (int off = 0; off < all.length; off += CHUNK) {
      byte[] chunk = java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + CHUNK));
      session.send(name, chunk);
    }
  }
}
