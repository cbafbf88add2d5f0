package dev.jvs.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * The web dashboard (docs/api.md, "Dashboard"): its three static files, kept in the jar and served
 * at / in front of the API. They carry no data and so need no token: the page asks for one and
 * sends it as a bearer header on every API call, which a cross-site page cannot do (no cookie).
 * Everything else goes on to the API, except what a browser marks as sent from another site's page:
 * on a unix socket forwarded to a browser there is no token to stop it.
 */
final class Dashboard extends Handler.Wrapper {
  private static final String DIR = "dashboard/";
  private static final String POLICY =
      "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none';"
          + " form-action 'none'";

  private record File(byte[] bytes, String type) {}

  private final Map<String, File> files;

  Dashboard(Handler api) {
    super(api);
    File html = load("index.html", "text/html; charset=utf-8");
    this.files =
        Map.of(
            "/",
            html,
            "/index.html",
            html,
            "/dashboard.js",
            load("dashboard.js", "text/javascript; charset=utf-8"),
            "/dashboard.css",
            load("dashboard.css", "text/css; charset=utf-8"));
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null && !sameOrigin(origin, request.getHeaders().get(HttpHeader.HOST))) {
      ApiHandler.fail(
          response, callback, 403, "cross-site request refused (Origin " + origin + ")");
      return true;
    }
    File file = files.get(request.getHttpURI().getDecodedPath());
    if (file == null) {
      return super.handle(request, response, callback);
    }
    String method = request.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      ApiHandler.fail(response, callback, 405, method + " is not allowed on a dashboard file");
      return true;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, file.type());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    response.getHeaders().put("Content-Security-Policy", POLICY);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put("Referrer-Policy", "no-referrer");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, file.bytes().length);
    ByteBuffer body =
        method.equals("HEAD") ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(file.bytes());
    response.write(true, body, callback);
    return true;
  }

  /** Whether a browser's Origin names the host the request went to (scripts send none). */
  static boolean sameOrigin(String origin, String host) {
    try {
      String authority = URI.create(origin).getRawAuthority();
      return host != null && authority != null && authority.equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return false; // "null" (a sandboxed page) or garbage
    }
  }

  private static File load(String name, String type) {
    try (InputStream in = Dashboard.class.getResourceAsStream(DIR + name)) {
      return new File(in.readAllBytes(), type);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException(DIR + name + " missing from the jar", e);
    }
  }
}
