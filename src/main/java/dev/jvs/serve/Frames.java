package dev.jvs.serve;

import dev.jvs.launch.LaunchCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The service's line format, the launch program's (docs/launch-program.md, "Encoding"): a name, a
 * space and one field in which every byte outside {@code [A-Za-z0-9._/:=,+@-]} is {@code %XX}; the
 * empty field is a lone {@code %}. Fields are encoded by {@link LaunchCodec}; jvs-client
 * (native/jvs-client.c) reads and writes them as jvs-init reads programs.
 */
final class Frames {
  private Frames() {}

  /** The line {@code NAME FIELD\n} for raw bytes. */
  static byte[] line(String name, byte[] field) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(name.length() + field.length * 3 + 3);
    out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
    out.write(' ');
    LaunchCodec.writeField(field, out);
    out.write('\n');
    return out.toByteArray();
  }

  /** Decodes one field; throws IllegalArgumentException on a malformed escape. */
  static byte[] decode(String field) {
    if (field.equals("%")) {
      return new byte[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c != '%') {
        out.write(c);
        continue;
      }
      int hi = i + 2 < field.length() ? Character.digit(field.charAt(i + 1), 16) : -1;
      int lo = hi < 0 ? -1 : Character.digit(field.charAt(i + 2), 16);
      if (lo < 0) {
        throw new IllegalArgumentException("malformed %-escape in '" + field + "'");
      }
      out.write(hi << 4 | lo);
      i += 2;
    }
    return out.toByteArray();
  }
}
