package dev.jvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API's certificate as the JDK and, independently, openssl read it. */
class SelfSignedCertificateTest {
  @Test
  void aV3CertificateForLocalhostSignedByItsOwnKey() throws Exception {
    SelfSignedCertificate.Made made = SelfSignedCertificate.make("jvs", 3650);
    X509Certificate cert = made.certificate();

    assertThat(cert.getVersion()).isEqualTo(3);
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=jvs");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(cert.getPublicKey()).isEqualTo(made.keys().getPublic());
    cert.verify(made.keys().getPublic());
    cert.checkValidity();
    assertThat(Duration.between(Instant.now(), cert.getNotAfter().toInstant()).toDays())
        .isBetween(3648L, 3650L);
    assertThat(cert.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
  }

  @Test
  void opensslReadsTheSameCertificate(@TempDir Path dir) throws Exception {
    X509Certificate cert = SelfSignedCertificate.make("jvs", 30).certificate();
    Path pem = dir.resolve("c.pem");
    Files.writeString(
        pem,
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(cert.getEncoded())
            + "\n-----END CERTIFICATE-----\n");
    Process p =
        new ProcessBuilder("openssl", "x509", "-in", pem.toString(), "-noout", "-text")
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(text).isZero();
    assertThat(text)
        .contains("Version: 3")
        .contains("Subject: CN = jvs")
        .contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1")
        .contains("ecdsa-with-SHA256")
        .contains("prime256v1");
  }
}
