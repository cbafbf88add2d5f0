package dev.jvs.api;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A self-signed X.509 v3 certificate for the API's TLS listener, made in-process: an EC P-256 key,
 * subject CN=jvs, subject alternative names localhost, 127.0.0.1 and ::1, signed with ECDSA-SHA256.
 * The JDK signs but has no public certificate builder, so the DER structure (RFC 5280 section 4.1)
 * is written here; keytool did the same at the cost of a second JVM's start (20-50 s under load).
 */
final class SelfSignedCertificate {
  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String COMMON_NAME = "2.5.4.3";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";

  record Made(KeyPair keys, X509Certificate certificate) {}

  private SelfSignedCertificate() {}

  static Made make(String commonName, int validDays) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    byte[] serial = new byte[16];
    new SecureRandom().nextBytes(serial);
    serial[0] &= 0x7f; // a positive INTEGER
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).withNano(0);
    byte[] algorithm = seq(oid(ECDSA_WITH_SHA256));
    byte[] name = seq(set(seq(oid(COMMON_NAME), utf8(commonName))));
    byte[] tbs =
        seq(
            tlv(0xa0, integer(BigInteger.valueOf(2))), // [0] version: v3
            integer(new BigInteger(1, serial)),
            algorithm,
            name,
            seq(time(now.minusMinutes(5)), time(now.plusDays(validDays))),
            name,
            keys.getPublic().getEncoded(), // SubjectPublicKeyInfo, DER already
            tlv(0xa3, seq(seq(oid(SUBJECT_ALT_NAME), octets(altNames()))))); // [3] extensions
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keys.getPrivate());
    signer.update(tbs);
    byte[] der = seq(tbs, algorithm, bits(signer.sign()));
    X509Certificate cert =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
    cert.verify(keys.getPublic()); // what we wrote is what a client will parse
    return new Made(keys, cert);
  }

  /** GeneralNames: dNSName localhost, iPAddress 127.0.0.1 and ::1. */
  private static byte[] altNames() {
    byte[] v6 = new byte[16];
    v6[15] = 1;
    return seq(
        tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)),
        tlv(0x87, new byte[] {127, 0, 0, 1}),
        tlv(0x87, v6));
  }

  private static byte[] time(ZonedDateTime t) {
    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050
    return t.getYear() < 2050
        ? tlv(0x17, t.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes())
        : tlv(0x18, t.format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")).getBytes());
  }

  private static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Integer.parseInt(arcs[0]) * 40 + Integer.parseInt(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      long arc = Long.parseLong(arcs[i]);
      int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(arc) + 6) / 7);
      for (int g = groups - 1; g >= 0; g--) {
        out.write((int) ((arc >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
      }
    }
    return tlv(0x06, out.toByteArray());
  }

  private static byte[] integer(BigInteger v) {
    return tlv(0x02, v.toByteArray());
  }

  private static byte[] utf8(String s) {
    return tlv(0x0c, s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] octets(byte[] b) {
    return tlv(0x04, b);
  }

  private static byte[] bits(byte[] b) {
    byte[] v = new byte[b.length + 1]; // a leading 0: no unused bits
    System.arraycopy(b, 0, v, 1, b.length);
    return tlv(0x03, v);
  }

  private static byte[] seq(byte[]... parts) {
    return tlv(0x30, concat(parts));
  }

  private static byte[] set(byte[]... parts) {
    return tlv(0x31, concat(parts));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** One DER element: its tag, its length (short or long form), its value. */
  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(value);
    return out.toByteArray();
  }
}
