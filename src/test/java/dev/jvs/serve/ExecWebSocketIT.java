package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.testing.TestHost;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Interactive exec over a websocket (docs/api.md): through HTTPS with a trusted token, a shell on a
 * terminal that takes keystrokes as binary frames, a resize as a text frame, and ends with its exit
 * code in a last text frame; no token or an unknown guest is refused before the upgrade.
 */
@Tag("kernel")
class ExecWebSocketIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Collects what the server sends until it closes. */
  static final class Screen implements WebSocket.Listener {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final List<String> texts = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      synchronized (out) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        out.writeBytes(b);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        texts.add(text.toString());
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }

    String screen() {
      synchronized (out) {
        return out.toString(StandardCharsets.UTF_8);
      }
    }
  }

  @Test
  void aShellOnATerminalOverAWebsocket() throws Exception {
    try (TestHost host = new TestHost()) {
      String listen = "127.0.0.1:" + PinnedHttps.freePort();
      try (TestService service = TestService.start(host, "--listen", listen)) {
        Matcher m =
            Pattern.compile("certificate SHA-256 ([0-9A-F:]{95})").matcher(service.logText());
        assertThat(m.find()).isTrue();
        PinnedHttps https = new PinnedHttps(listen, m.group(1));
        String token = TestService.jvs(host, "trust", "add", "tester").out().strip();
        assertThat(TestService.jvs(host, "build", "web").code()).isZero();
        assertThat(TestService.jvs(host, "start", "web").code()).isZero();
        URI uri = URI.create("wss://" + listen + "/1.0/guests/web/exec/ws?command=/bin/sh");

        Screen screen = new Screen();
        WebSocket ws =
            https
                .client
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(uri, screen)
                .get(30, TimeUnit.SECONDS);
        ws.sendText("{\"resize\":{\"cols\":123,\"rows\":45}}", true).get();
        ws.sendBinary(
                ByteBuffer.wrap(
                    "stty size; tty; echo the-end; exit 3\n".getBytes(StandardCharsets.UTF_8)),
                true)
            .get();
        assertThat(screen.closed.get(60, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(screen.screen()).contains("45 123").contains("/dev/pts/").contains("the-end");
        assertThat(screen.texts).isNotEmpty();
        assertThat(JSON.readTree(screen.texts.getLast()).get("exit_code").asInt())
            .as(screen.texts.toString())
            .isEqualTo(3);

        // a client that hangs up hangs the command up: it is gone from the guest, not orphaned
        Screen hungUp = new Screen();
        WebSocket sleeper =
            https
                .client
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(
                    URI.create(
                        "wss://"
                            + listen
                            + "/1.0/guests/web/exec/ws?command=/bin/sh&command=-c"
                            + "&command=echo%20ready;%20exec%20sleep%204242"),
                    hungUp)
                .get(30, TimeUnit.SECONDS);
        awaitTrue(() -> hungUp.screen().contains("ready"));
        assertThat(psOf(host)).contains("sleep 4242");
        sleeper.abort();
        awaitTrue(() -> !psOf(host).contains("sleep 4242"));

        // refused before the upgrade: no token, a wrong one, an unknown guest
        assertThat(handshakeStatus(https, uri, null)).isEqualTo(401);
        assertThat(handshakeStatus(https, uri, "jvs_wrong")).isEqualTo(401);
        assertThat(
                handshakeStatus(
                    https, URI.create("wss://" + listen + "/1.0/guests/nosuch/exec/ws"), token))
            .isEqualTo(404);
        https.client.close();
      }
    }
  }

  private static String psOf(TestHost host) {
    return TestService.jvs(host, "exec", "web", "--", "ps").out();
  }

  /** Waits for a condition that follows an asynchronous action; fails after 30 s. */
  private static void awaitTrue(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition still false after 30 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static int handshakeStatus(PinnedHttps https, URI uri, String token) throws Exception {
    WebSocket.Builder b = https.client.newWebSocketBuilder();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      b.buildAsync(uri, new Screen()).get(30, TimeUnit.SECONDS).abort();
      return 101;
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
      return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
    }
  }
}
