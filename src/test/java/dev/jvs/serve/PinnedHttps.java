package dev.jvs.serve;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An HTTPS client of the API's TCP listener that trusts exactly the certificate whose SHA-256
 * fingerprint the service printed, as a user pinning it would.
 */
final class PinnedHttps {
  final HttpClient client;
  final String base;

  PinnedHttps(String hostPort, String fingerprint) throws Exception {
    X509TrustManager pinned =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String auth) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String auth)
              throws CertificateException {
            try {
              byte[] d = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
              String got = HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
              if (!got.equals(fingerprint)) {
                throw new CertificateException("fingerprint " + got + " is not " + fingerprint);
              }
            } catch (java.security.NoSuchAlgorithmException e) {
              throw new CertificateException(e);
            }
          }

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {pinned}, null);
    this.client =
        HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
    this.base = "https://" + hostPort;
  }

  /** A request; {@code token} null sends no Authorization header. */
  HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A loopback port nobody listens on now. */
  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
