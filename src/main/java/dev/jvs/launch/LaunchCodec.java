package dev.jvs.launch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Encodes a launch program as the line format jvs-init reads (docs/launch-program.md). */
public final class LaunchCodec {
  private LaunchCodec() {}

  public static String encode(LaunchProgram program) {
    StringBuilder out = new StringBuilder();
    for (Op op : program.ops()) {
      if (op.optional()) {
        out.append('?');
      }
      out.append(op.name());
      for (String field : op.fields()) {
        out.append(' ').append(encodeField(field));
      }
      out.append('\n');
    }
    return out.append("end\n").toString();
  }

  /** Percent-encodes every byte outside the safe set; the empty field is a lone '%'. */
  static String encodeField(String field) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(field.length() + 1);
    writeField(field.getBytes(StandardCharsets.UTF_8), out);
    return out.toString(StandardCharsets.US_ASCII);
  }

  /**
   * Appends one field in the line format's encoding: every byte outside the safe set as {@code
   * %XX}, the empty field as a lone '%'. The OCI service's frames use it too.
   */
  public static void writeField(byte[] field, ByteArrayOutputStream out) {
    if (field.length == 0) {
      out.write('%');
    }
    for (byte b : field) {
      int c = b & 0xff;
      if (isSafe(c)) {
        out.write(c);
      } else {
        out.write('%');
        out.write(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.write(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
  }

  private static boolean isSafe(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || ".-_/:=,+@".indexOf(c) >= 0;
  }
}
