package dev.jvs.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.base.JvsException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The destination's REST API as the migrating source calls it: HTTPS to a certificate pinned by its
 * SHA-256 fingerprint (a jvs service's certificate is self-signed), a trusted client's bearer token
 * on every request, and uploads that fail once the link stops taking bytes (a cut link sends no
 * reset: without a watchdog the upload would wait forever).
 */
final class PeerClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final URI base;
  private final String token;
  private final Duration stall;

  /** {@code fingerprint}: the destination's certificate, SHA-256 as AA:BB:… (case ignored). */
  PeerClient(URI base, String token, String fingerprint, Duration stall) {
    this.base = base;
    this.token = token;
    this.stall = stall;
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {pinned(fingerprint)}, null);
      this.http =
          HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
    } catch (GeneralSecurityException e) {
      throw new JvsException("migrate: TLS: " + e.getMessage(), e);
    }
  }

  URI base() {
    return base;
  }

  /** A JSON answer, and when it arrived ({@link System#nanoTime()}, before it was parsed). */
  record Answer(JsonNode json, long arrived) {}

  /** A JSON request; the answer's JSON, or a failure naming the step and the peer's error line. */
  JsonNode call(String step, String method, String path, Object body, Duration timeout) {
    return request(step, method, path, body, timeout).json();
  }

  /** As {@link #call}, with the answer's arrival. */
  Answer request(String step, String method, String path, Object body, Duration timeout) {
    try {
      HttpRequest.Builder b =
          request(path)
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      long arrived = System.nanoTime();
      return new Answer(answer(step, r), arrived);
    } catch (IOException e) {
      throw new JvsException(step + ": " + base + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(step + ": interrupted");
    }
  }

  /**
   * Streams {@code body} to {@code path} with PUT; fails when the link takes no byte for the stall
   * time, or the whole upload outlasts {@code timeout}.
   */
  JsonNode upload(String step, String path, Supplier<InputStream> body, Duration timeout) {
    AtomicLong sent = new AtomicLong();
    HttpRequest req =
        request(path)
            .header("Content-Type", "application/x-tar")
            .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> counting(body.get(), sent)))
            .build();
    CompletableFuture<HttpResponse<String>> f =
        http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
    long deadline = System.nanoTime() + timeout.toNanos();
    long seen = -1;
    long lastProgress = System.nanoTime();
    try {
      while (true) {
        try {
          return answer(step, f.get(250, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
          long now = System.nanoTime();
          long n = sent.get();
          if (n != seen) {
            seen = n;
            lastProgress = now;
          } else if (now - lastProgress > stall.toNanos()) {
            f.cancel(true);
            throw new JvsException(
                step
                    + ": "
                    + base
                    + ": the link took no data for "
                    + stall.toSeconds()
                    + " s (after "
                    + n
                    + " bytes)");
          }
          if (now > deadline) {
            f.cancel(true);
            throw new JvsException(
                step + ": " + base + ": no answer in " + timeout.toSeconds() + " s");
          }
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new JvsException(step + ": " + base + ": " + describe(cause), cause);
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new JvsException(step + ": interrupted");
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token);
  }

  private static JsonNode answer(String step, HttpResponse<String> r) {
    JsonNode json;
    try {
      json = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      json = JSON.createObjectNode();
    }
    if (r.statusCode() / 100 != 2) {
      String error = json.path("error").asText("");
      throw new JvsException(
          step
              + ": the destination answered "
              + r.statusCode()
              + (error.isEmpty() ? "" : ": " + error));
    }
    return json;
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    String what = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    return what.lines().findFirst().orElse(what);
  }

  private static InputStream counting(InputStream in, AtomicLong count) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          count.incrementAndGet();
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          count.addAndGet(n);
        }
        return n;
      }
    };
  }

  /**
   * Trusts exactly the pinned certificate. An extended trust manager, because JSSE adds its own
   * host name check around a plain one, and a jvs certificate names no address: the pin is the
   * check.
   */
  private static X509ExtendedTrustManager pinned(String fingerprint) {
    String want = fingerprint.toUpperCase(Locale.ROOT);
    return new X509ExtendedTrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String auth)
          throws CertificateException {
        String got = fingerprintOf(chain[0]);
        if (!got.equals(want)) {
          throw new CertificateException(
              "the destination's certificate is " + got + ", not the pinned " + want);
        }
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String auth, Socket s)
          throws CertificateException {
        checkServerTrusted(chain, auth);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String auth, SSLEngine e)
          throws CertificateException {
        checkServerTrusted(chain, auth);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String auth)
          throws CertificateException {
        throw new CertificateException("not a server");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String auth, Socket s)
          throws CertificateException {
        throw new CertificateException("not a server");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String auth, SSLEngine e)
          throws CertificateException {
        throw new CertificateException("not a server");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }

  static String fingerprintOf(X509Certificate cert) throws CertificateException {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new CertificateException(e);
    }
  }
}
