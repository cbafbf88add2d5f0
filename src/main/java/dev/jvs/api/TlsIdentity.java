package dev.jvs.api;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The API's HTTPS certificate: self-signed, made on the first start with --listen in-process
 * (SelfSignedCertificate, with the JDK's own crypto: no second library), kept with its random store
 * password in a root-only directory under $JVS_ROOT, so clients can pin its fingerprint across
 * restarts.
 */
record TlsIdentity(Path keyStore, String password, String fingerprint) {
  static final String ALIAS = "jvs-api";

  static TlsIdentity ensure(Path dir) {
    Path store = dir.resolve("jvs-api.p12");
    Path secret = dir.resolve("jvs-api.pass");
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      if (!Files.exists(store) || !Files.exists(secret)) {
        Files.deleteIfExists(store);
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Files.writeString(secret, password);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        generate(store, password);
      }
      String password = Files.readString(secret).strip();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, password.toCharArray());
      }
      Certificate cert = ks.getCertificate(ALIAS);
      if (cert == null) {
        throw new JvsException(store + ": no certificate '" + ALIAS + "' (remove it to renew)");
      }
      return new TlsIdentity(store, password, fingerprint(cert));
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new JvsException(store + ": " + e.getMessage(), e);
    }
  }

  /** SHA-256 of the DER certificate, as AA:BB:…, as browsers and openssl print it. */
  static String fingerprint(Certificate cert) throws java.security.GeneralSecurityException {
    byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
    return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
  }

  private static void generate(Path store, String password)
      throws IOException, java.security.GeneralSecurityException {
    SelfSignedCertificate.Made made = SelfSignedCertificate.make("jvs", 3650);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry(
        ALIAS,
        made.keys().getPrivate(),
        password.toCharArray(),
        new Certificate[] {made.certificate()});
    // root-only from its creation: the private key is never readable by others, not even briefly
    Files.createFile(
        store, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (java.io.OutputStream out = Files.newOutputStream(store)) {
      ks.store(out, password.toCharArray());
    } catch (IOException | java.security.GeneralSecurityException e) {
      Files.deleteIfExists(store);
      throw e;
    }
  }
}
