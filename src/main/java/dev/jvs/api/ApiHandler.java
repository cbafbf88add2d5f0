package dev.jvs.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * HTTP in and out for the routes: who may call (the unix socket is root's; TCP needs a trusted
 * client's bearer token), the size limit of request bodies, JSON errors of one line, and the two
 * streams that are no JSON document (events, metrics).
 */
final class ApiHandler extends Handler.Abstract {
  static final int MAX_BODY = 1 << 20;
  private static final long KEEPALIVE_SECONDS = 15;

  private final ApiRoutes routes;
  private final EventBus events;
  private final Supplier<String> metrics;
  private final TrustedClients trusted;
  private final byte[] openapi;
  private final Consumer<String> log;
  private volatile Connector tcp; // requests on it need a token

  ApiHandler(
      ApiRoutes routes,
      EventBus events,
      Supplier<String> metrics,
      TrustedClients trusted,
      Consumer<String> log) {
    this.routes = routes;
    this.events = events;
    this.metrics = metrics;
    this.trusted = trusted;
    this.log = log;
    try (InputStream in = ApiHandler.class.getResourceAsStream("openapi.json")) {
      this.openapi = in.readAllBytes();
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("openapi.json missing from the jar", e);
    }
  }

  void requireTokenOn(Connector connector) {
    this.tcp = connector;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String method = request.getMethod();
    String path = request.getHttpURI().getDecodedPath();
    try {
      Optional<String> client = authorize(request);
      if (path.equals("/1.0/events") && method.equals("GET")) {
        streamEvents(request, response, callback);
        return true;
      }
      Reply reply = dispatch(request, method, path);
      if (!method.equals("GET")) {
        log.accept(
            "api "
                + client.map(c -> c + " ").orElse("")
                + method
                + " "
                + path
                + " -> "
                + reply.status());
      }
      send(response, callback, reply);
    } catch (ApiException e) {
      discardBody(request);
      fail(response, callback, e.status(), e.getMessage());
    } catch (JvsException e) {
      discardBody(request);
      fail(response, callback, ErrorStatus.of(e), e.getMessage());
    } catch (RuntimeException e) {
      log.accept("api " + method + " " + path + ": internal error: " + e);
      discardBody(request);
      fail(response, callback, 500, "internal error: " + e);
    }
    return true;
  }

  /**
   * Reads what is left of a refused request's body (up to the body limit). Closing a connection
   * with unread bytes makes the kernel send a reset, which can reach the client before it has read
   * the error reply: a PUT refused with 401 before its body was read reached ApiAccessIT as "header
   * parser received no bytes".
   */
  private static void discardBody(Request request) {
    try (InputStream in = Content.Source.asInputStream(request)) {
      in.readNBytes(MAX_BODY + 1);
    } catch (IOException | RuntimeException e) {
      // the client went away or sent too much: nothing more to keep the reply from
    }
  }

  /** The trusted client's name on TCP; empty on the unix socket (root only, by SO_PEERCRED). */
  Optional<String> authorize(Request request) {
    if (request.getConnectionMetaData().getConnector() != tcp) {
      return Optional.empty();
    }
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || !header.startsWith("Bearer ")) {
      throw new ApiException(401, "a trusted client's token is required (Authorization: Bearer)");
    }
    return Optional.of(
        trusted
            .verify(header.substring("Bearer ".length()).strip())
            .orElseThrow(() -> new ApiException(401, "the token is not trusted (or was revoked)")));
  }

  private Reply dispatch(Request request, String method, String path) {
    if (path.equals("/1.0/metrics") || path.equals("/1.0/openapi.json")) {
      if (!method.equals("GET")) {
        throw new ApiException(405, method + " is not allowed on " + path);
      }
      return path.equals("/1.0/metrics")
          ? Reply.text(metrics.get(), "text/plain; version=0.0.4; charset=utf-8")
          : Reply.text(new String(openapi, StandardCharsets.UTF_8), Reply.JSON);
    }
    if (!path.startsWith("/1.0/")) {
      throw new ApiException(404, "no such resource: " + path + " (the API is under /1.0/)");
    }
    List<String> segments =
        new ArrayList<>(
            Arrays.stream(path.substring("/1.0/".length()).split("/", -1))
                .filter(s -> !s.isEmpty())
                .toList());
    Map<String, String> query = new LinkedHashMap<>();
    Fields fields = Request.extractQueryParameters(request);
    fields.forEach(f -> query.put(f.getName(), f.getValue()));
    byte[] body = method.equals("GET") || method.equals("DELETE") ? new byte[0] : readBody(request);
    return routes.route(new ApiRequest(method, segments, query, body));
  }

  private static byte[] readBody(Request request) {
    long declared = request.getLength();
    if (declared > MAX_BODY) {
      throw new ApiException(413, "request body of " + declared + " bytes over " + MAX_BODY);
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] body = in.readNBytes(MAX_BODY + 1);
      if (body.length > MAX_BODY) {
        throw new ApiException(413, "request body over " + MAX_BODY + " bytes");
      }
      return body;
    } catch (IOException e) {
      throw new ApiException(400, "request body: " + JsonBody.firstLine(e.getMessage()));
    }
  }

  private void streamEvents(Request request, Response response, Callback callback) {
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    BlockingQueue<Event> queue = events.subscribe();
    try (OutputStream out = Content.Sink.asOutputStream(response)) {
      out.write(": jvs events\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (true) {
        Event e = queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
        String chunk =
            e == null
                ? ": keepalive\n\n"
                : "event: "
                    + e.type()
                    + "\ndata: "
                    + JsonBody.MAPPER.writeValueAsString(e.json())
                    + "\n\n";
        out.write(chunk.getBytes(StandardCharsets.UTF_8));
        out.flush(); // throws once the client has gone
      }
    } catch (IOException | UncheckedIOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      events.unsubscribe(queue);
      callback.succeeded();
    }
  }

  private static void send(Response response, Callback callback, Reply reply) {
    String text;
    if (reply.body() instanceof String s) {
      text = s;
    } else {
      try {
        text = JsonBody.MAPPER.writeValueAsString(reply.body()) + "\n";
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    response.setStatus(reply.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.type());
    Content.Sink.write(response, true, text, callback);
  }

  static void fail(Response response, Callback callback, int status, String message) {
    send(response, callback, Reply.json(status, Map.of("error", ErrorStatus.line(message))));
  }
}
