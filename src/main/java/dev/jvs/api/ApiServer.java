package dev.jvs.api;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The REST API of `jvs serve` (docs/api.md): Jetty on a unix socket of its own in the root-only
 * directory $JVS_RUN/jvs-api, which the service's socket relays HTTP connections to, and with
 * --listen on HTTPS for trusted clients. Also runs the event feed's watcher.
 */
public final class ApiServer implements AutoCloseable {
  private final Server server;
  private final Path socket;
  private final GuestWatcher watcher;
  private final String certificate; // SHA-256 fingerprint, or null without TCP
  private final EventBus events;
  private final Operations operations;

  private ApiServer(
      Server server,
      Path socket,
      GuestWatcher watcher,
      String certificate,
      EventBus events,
      Operations operations) {
    this.events = events;
    this.operations = operations;
    this.server = server;
    this.socket = socket;
    this.watcher = watcher;
    this.certificate = certificate;
  }

  /**
   * Starts the API for {@code guests}; with {@code listen} non-null also HTTPS on that address,
   * with the certificate under $JVS_ROOT/api (made on first start).
   */
  public static ApiServer start(
      Guests guests,
      CgroupDriver cgroups,
      InetSocketAddress listen,
      java.time.Duration watchEvery,
      java.util.Map<String, String> env,
      Consumer<String> log) {
    Path dir = guests.dirs().run().resolve("jvs-api");
    Path socket = dir.resolve("http.sock");
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Files.deleteIfExists(socket); // a killed service's; the service's own socket is the lock
    } catch (IOException e) {
      throw new JvsException(dir + ": " + e.getMessage(), e);
    }
    EventBus events = new EventBus();
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    GuestLooks looks = new GuestLooks(guests, new GuestCounters(cgroups, guests.dirs()));
    Operations operations = new Operations(log, looks::changed);
    // while someone follows the events the watcher looks every tick and a scrape takes its latest
    // look; otherwise (the watcher idles) a look older than two ticks is taken anew
    registry.register(new GuestMetrics(looks, watchEvery.multipliedBy(2)));
    PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    TrustedClients trusted = new TrustedClients(guests.dirs().root());
    ApiHandler handler =
        new ApiHandler(
            new ApiRoutes(guests, cgroups, dir, operations, env),
            events,
            () -> {
              ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
              try {
                writer.write(out, registry.scrape());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return out.toString(StandardCharsets.UTF_8);
            },
            trusted,
            log);

    QueuedThreadPool threads = new QueuedThreadPool(64, 2);
    threads.setName("jvs-api");
    threads.setDaemon(true);
    Server server = new Server(threads);
    server.setErrorHandler(new JsonErrors());
    UnixDomainServerConnector unix =
        new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory());
    unix.setUnixDomainPath(socket);
    unix.setIdleTimeout(60_000);
    server.addConnector(unix);
    String fingerprint = null;
    if (listen != null) {
      TlsIdentity identity = TlsIdentity.ensure(guests.dirs().root().resolve("api"));
      fingerprint = identity.fingerprint();
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setKeyStorePath(identity.keyStore().toString());
      tls.setKeyStorePassword(identity.password());
      tls.setKeyStoreType("PKCS12");
      HttpConfiguration https = new HttpConfiguration();
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      secure.setSniHostCheck(false); // clients reach it by address, the certificate names jvs
      https.addCustomizer(secure);
      ServerConnector tcp =
          new ServerConnector(
              server,
              1,
              1,
              new SslConnectionFactory(tls, "http/1.1"),
              new HttpConnectionFactory(https));
      tcp.setHost(listen.getHostString());
      tcp.setPort(listen.getPort());
      tcp.setIdleTimeout(60_000);
      server.addConnector(tcp);
      handler.requireTokenOn(tcp);
    }
    // Websockets first: an upgrade of /1.0/guests/{name}/exec/ws, authorized as any request
    WebSocketUpgradeHandler websockets =
        WebSocketUpgradeHandler.from(
            server,
            c ->
                c.addMapping(
                    "uri-template|/1.0/guests/{name}/exec/ws",
                    (request, response, callback) -> {
                      try {
                        handler.authorize(request);
                        GuestName name =
                            ApiRoutes.name(request.getHttpURI().getDecodedPath().split("/")[3]);
                        if (!Files.isDirectory(guests.dirs().guest(name))) {
                          throw new ApiException(404, name + ": no such guest");
                        }
                        List<String> command =
                            Request.extractQueryParameters(request).getValues("command");
                        return new ExecSocket(
                            guests,
                            name,
                            command == null || command.isEmpty() ? List.of("/bin/sh") : command,
                            log);
                      } catch (ApiException e) {
                        ApiHandler.fail(response, callback, e.status(), e.getMessage());
                        return null;
                      }
                    }));
    // Migrations before the routes: their uploads are streams, not 1 MiB JSON documents
    websockets.setHandler(
        new MigrationRoutes(handler, new dev.jvs.migrate.IncomingMigrations(guests), log));
    // The dashboard outermost: its Origin check refuses a cross-site page's upgrade too
    server.setHandler(new Dashboard(websockets));
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // reported below
      }
      throw new JvsException(
          "api: " + (listen != null ? listen + ": " : "") + JsonBody.firstLine(e.toString()), e);
    }
    GuestWatcher watcher = new GuestWatcher(guests, events, looks, log);
    watcher.start(watchEvery);
    return new ApiServer(server, socket, watcher, fingerprint, events, operations);
  }

  /** Sends {@code e} to the event feed's subscribers (for what the watcher cannot see). */
  public void publish(Event e) {
    events.publish(e);
  }

  /** The unix socket the service relays HTTP connections to. */
  public Path socket() {
    return socket;
  }

  /** The HTTPS certificate's SHA-256 fingerprint, or null when there is no TCP listener. */
  public String certificateFingerprint() {
    return certificate;
  }

  @Override
  public void close() {
    watcher.close();
    operations.close();
    try {
      server.stop();
    } catch (Exception e) {
      // stopping anyway
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // replaced by the next start
    }
  }

  /** Jetty's own refusals (a bad URI, a bad header) as {"error": …}, as the routes' are. */
  private static final class JsonErrors extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String message = String.valueOf(request.getAttribute(ERROR_MESSAGE));
      int status = response.getStatus();
      ApiHandler.fail(
          response,
          callback,
          status,
          message.equals("null") ? org.eclipse.jetty.http.HttpStatus.getMessage(status) : message);
      return true;
    }
  }
}
