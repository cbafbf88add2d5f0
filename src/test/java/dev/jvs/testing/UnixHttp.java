package dev.jvs.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** HTTP/1.0 requests to the REST API over a unix socket (the reply ends with the connection). */
public final class UnixHttp {
  private static final ObjectMapper JSON = new ObjectMapper();

  private UnixHttp() {}

  /** A reply: status and body. */
  public record Reply(int status, String body) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }
  }

  public static Reply send(Path socket, String method, String path, String body)
      throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head =
          method
              + " "
              + path
              + " HTTP/1.0\r\nHost: jvs\r\nContent-Type: application/json\r\nContent-Length: "
              + content.length
              + "\r\n\r\n";
      ByteBuffer out = ByteBuffer.allocate(head.length() + content.length);
      out.put(head.getBytes(StandardCharsets.US_ASCII)).put(content).flip();
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      ByteBuffer in = ByteBuffer.allocate(8192);
      while (ch.read(in) >= 0) {
        got.write(in.array(), 0, in.position());
        in.clear();
      }
      String text = got.toString(StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      if (split < 0) {
        throw new IOException("not an HTTP reply: " + text);
      }
      int status = Integer.parseInt(text.substring(0, split).split(" ")[1]);
      return new Reply(status, text.substring(split + 4));
    }
  }
}
