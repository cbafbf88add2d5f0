package dev.jvs.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.IdRange;
import dev.jvs.migrate.IncomingMigrations;
import dev.jvs.runtime.Checkpoints;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The destination's routes of a live migration (docs/migration.md), authorized as every request (a
 * trusted client's token on TCP). They stand before {@link ApiHandler} because their uploads are
 * streams of any size, unpacked as they arrive, where every other body is a JSON document of 1 MiB
 * at most:
 *
 * <pre>
 * POST   /1.0/migrations                   {"name","template"} -> 201 {"template": has it}
 * PUT    /1.0/migrations/NAME/template     a tar of the template's directory
 * PUT    /1.0/migrations/NAME/files        a tar of guest.conf, upper/ and checkpoint/
 * POST   /1.0/migrations/NAME/restore      -> 200 {"name","state":"running","phases":[{"name","ms"}],"runningMs"}
 * DELETE /1.0/migrations/NAME              drops what was staged
 * </pre>
 */
final class MigrationRoutes extends Handler.Wrapper {
  private static final String PREFIX = "/1.0/migrations";

  /** A stalled upload fails after this long: the source has gone or the link is cut. */
  private static final long UPLOAD_IDLE_MS = 15_000;

  private final ApiHandler api;
  private final IncomingMigrations incoming;
  private final Consumer<String> log;

  MigrationRoutes(ApiHandler api, IncomingMigrations incoming, Consumer<String> log) {
    super(api);
    this.api = api;
    this.incoming = incoming;
    this.log = log;
    incoming.dropAbandoned();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = request.getHttpURI().getDecodedPath();
    if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
      return super.handle(request, response, callback);
    }
    String method = request.getMethod();
    int status;
    Object body;
    try {
      String client = api.authorize(request).map(c -> c + " ").orElse("");
      String[] parts = path.substring(PREFIX.length()).split("/", -1);
      // parts[0] is "" (the path's slash), then NAME and an action
      if (parts.length == 1 && method.equals("POST")) {
        JsonNode b = JsonBody.MAPPER.readTree(small(request));
        GuestName name = ApiRoutes.name(b.path("name").asText(""));
        String template = b.path("template").asText("");
        boolean has = incoming.begin(name, template, ids(name, b.path("ids")));
        // before the freeze: a first serialization of the restore's answer took ~50 ms
        JsonBody.MAPPER.writeValueAsString(
            restoreAnswer(name, List.of(new Trace.Phase(Checkpoints.RESUMED, 0)), 0));
        status = 201;
        body = Map.of("name", name.value(), "template", has);
      } else if (parts.length == 2 && method.equals("DELETE")) {
        GuestName name = ApiRoutes.name(parts[1]);
        incoming.abort(name);
        status = 200;
        body = Map.of("aborted", name.value());
      } else if (parts.length == 3 && method.equals("PUT")) {
        GuestName name = ApiRoutes.name(parts[1]);
        request
            .getConnectionMetaData()
            .getConnection()
            .getEndPoint()
            .setIdleTimeout(UPLOAD_IDLE_MS);
        try (InputStream in = Content.Source.asInputStream(request)) {
          incoming.receive(name, parts[2], in);
        }
        status = 200;
        body = Map.of("received", parts[2]);
      } else if (parts.length == 3 && parts[2].equals("restore") && method.equals("POST")) {
        GuestName name = ApiRoutes.name(parts[1]);
        Optional<InetSocketAddress> pages = pages(request);
        long begun = System.nanoTime();
        Trace.begin(); // where the destination's part of the downtime goes, for the source
        List<Trace.Phase> phases;
        try {
          incoming.restore(name, pages);
        } finally {
          phases = Trace.end();
        }
        status = 200;
        body = restoreAnswer(name, phases, runningMs(begun, phases));
      } else {
        throw new ApiException(404, "no such resource: " + method + " " + path);
      }
      log.accept("api " + client + method + " " + path + " -> " + status);
    } catch (ApiException e) {
      log.accept("api " + method + " " + path + " -> " + e.status() + ": " + e.getMessage());
      ApiHandler.fail(response, callback, e.status(), e.getMessage());
      return true;
    } catch (JvsException e) {
      log.accept("api " + method + " " + path + " -> failed: " + e.getMessage());
      ApiHandler.fail(response, callback, ErrorStatus.of(e), e.getMessage());
      return true;
    } catch (IOException | RuntimeException e) {
      log.accept("api " + method + " " + path + ": " + e);
      ApiHandler.fail(response, callback, 500, JsonBody.firstLine(String.valueOf(e)));
      return true;
    }
    response.setStatus(status);
    response.getHeaders().put("Content-Type", Reply.JSON);
    Content.Sink.write(response, true, JsonBody.MAPPER.writeValueAsString(body) + "\n", callback);
    return true;
  }

  /**
   * How long the guest has been running, now that its answer is made: since criu's resume, {@code
   * begun} (the restore's start) plus the phases up to it. What follows (serializing the answer,
   * its way back) is not in it, so a source that subtracts it from the answer's arrival places the
   * resume late, never early. 0 when the phases hold no resume.
   */
  private static long runningMs(long begun, List<Trace.Phase> phases) {
    long at = begun;
    for (Trace.Phase p : phases) {
      at += p.nanos();
      if (p.name().equals(Checkpoints.RESUMED)) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - at);
      }
    }
    return 0;
  }

  /**
   * {"name","state":"running","phases":[{"name","ms"},…],"runningMs"}. A migration's begin
   * serializes one first: a service's first serialization of it took ~50 ms, which the source
   * counts in the downtime.
   */
  private static Map<String, Object> restoreAnswer(
      GuestName name, List<Trace.Phase> phases, long runningMs) {
    return Map.of(
        "name",
        name.value(),
        "state",
        "running",
        "phases",
        phasesJson(phases),
        "runningMs",
        runningMs);
  }

  /** {@code [{"name": …, "ms": …}, …]}: each phase of the restore, in order. */
  private static List<Map<String, Object>> phasesJson(List<Trace.Phase> phases) {
    return phases.stream()
        .<Map<String, Object>>map(
            p -> Map.of("name", p.name(), "ms", TimeUnit.NANOSECONDS.toMillis(p.nanos())))
        .toList();
  }

  /**
   * A post-copy restore's page relay, {"pages": "ADDRESS:PORT"}: on the host that made this call,
   * so that a client can make this host connect nowhere else.
   */
  private static Optional<InetSocketAddress> pages(Request request) throws IOException {
    byte[] body = small(request);
    if (body.length == 0) {
      return Optional.empty();
    }
    String pages = JsonBody.MAPPER.readTree(body).path("pages").asText("");
    if (pages.isEmpty()) {
      return Optional.empty();
    }
    int colon = pages.lastIndexOf(':');
    int port;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(pages.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new ApiException(400, "pages: expected ADDRESS:PORT, got '" + pages + "'");
    }
    String caller = Request.getRemoteAddr(request);
    InetAddress host = literal(pages.substring(0, colon), "pages: " + pages);
    if (!host.equals(literal(caller, "pages: the caller's address " + caller))) {
      throw new ApiException(403, "pages: " + pages + " is not on the caller's address " + caller);
    }
    return Optional.of(new InetSocketAddress(host, port));
  }

  /** An IP address as written: no name is looked up. */
  private static InetAddress literal(String address, String what) {
    try {
      return InetAddress.ofLiteral(address.replaceAll("^\\[|\\]$", ""));
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, what + ": not an IP address");
    }
  }

  private static byte[] small(Request request) throws IOException {
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] b = in.readNBytes(ApiHandler.MAX_BODY + 1);
      if (b.length > ApiHandler.MAX_BODY) {
        throw new ApiException(413, "request body over " + ApiHandler.MAX_BODY + " bytes");
      }
      return b;
    }
  }

  /** The host ids an unprivileged guest runs with at the source (the base of its range). */
  private static Optional<IdRange> ids(GuestName name, JsonNode base) {
    if (base.isMissingNode() || base.isNull()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new IdRange(base.asLong(0), IdRange.SIZE));
    } catch (IllegalArgumentException e) {
      throw new JvsException(name + ": ids: " + e.getMessage());
    }
  }
}
