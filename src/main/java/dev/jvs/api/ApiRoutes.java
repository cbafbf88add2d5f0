package dev.jvs.api;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.state.StateStore;
import dev.jvs.image.TemplateSources;
import dev.jvs.image.Templates;
import dev.jvs.launch.Launcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes under /1.0 (docs/api.md, src/main/resources/dev/jvs/api/openapi.json), each a call of
 * the runtime API the CLI uses ({@link Guests}, {@link Templates}): no second implementation. The
 * event stream and the metrics are served by {@link ApiHandler}.
 */
final class ApiRoutes {
  static final int MAX_EXEC_OUTPUT = 1 << 20;
  static final int MAX_WAIT_SECONDS = 300;
  private static final int CONSOLE_DEFAULT = 64 * 1024;

  private final Guests guests;
  private final Templates templates;
  private final CgroupDriver cgroups;
  private final Path scratch; // root-only: exec output files
  private final Operations operations;
  private final Map<String, String> env; // the service's: where templates are cached

  ApiRoutes(
      Guests guests,
      CgroupDriver cgroups,
      Path scratch,
      Operations operations,
      Map<String, String> env) {
    this.guests = guests;
    this.templates = new Templates(guests.dirs().templates());
    this.cgroups = cgroups;
    this.scratch = scratch;
    this.operations = operations;
    this.env = env;
  }

  Reply route(ApiRequest r) {
    String top = r.segment(0);
    if (top == null) {
      return notFound(r);
    }
    return switch (top) {
      case "guests" -> guests(r);
      case "templates" -> templates(r);
      case "operations" -> operations(r);
      case "host" -> only(r, "GET", 1, this::host);
      default -> notFound(r);
    };
  }

  private Reply guests(ApiRequest r) {
    if (r.depth() == 1) {
      return switch (r.method()) {
        case "GET" -> Reply.json(guests.list().stream().map(GuestJson::status).toList());
        case "POST" -> build(r);
        default -> notAllowed(r);
      };
    }
    GuestName name = name(r.segment(1));
    if (r.depth() == 2) {
      return switch (r.method()) {
        case "GET" -> Reply.json(GuestJson.status(guests.status(name)));
        case "DELETE" -> {
          boolean force = bool(r, "force");
          requireGuest(name);
          yield operations.run(
              async(r),
              "delete " + name,
              () -> {
                guests.delete(name, force);
                return Reply.json(Map.of("deleted", name.value()));
              });
        }
        default -> notAllowed(r);
      };
    }
    if (r.depth() != 3) {
      return notFound(r);
    }
    return switch (r.segment(2)) {
      case "state" ->
          switch (r.method()) {
            case "GET" -> Reply.json(Map.of("state", guests.status(name).state().toString()));
            case "PUT" -> changeState(name, Requests.stateChange(r.body()), async(r));
            default -> notAllowed(r);
          };
      case "config" ->
          switch (r.method()) {
            case "GET" -> Reply.json(GuestJson.config(guests.config(name)));
            case "PATCH" -> {
              var config = guests.set(name, Requests.configPatch(r.body()));
              operations.changed();
              yield Reply.json(GuestJson.config(config));
            }
            default -> notAllowed(r);
          };
      case "clone" -> only(r, "POST", 3, () -> cloneGuest(name, r));
      case "exec" -> only(r, "POST", 3, () -> exec(name, Requests.exec(r.body())));
      case "console" -> only(r, "GET", 3, () -> console(name, r));
      default -> notFound(r);
    };
  }

  private Reply build(ApiRequest r) {
    Requests.Build b = Requests.build(r.body());
    GuestName name = name(b.name());
    return operations.run(
        async(r),
        "build " + name,
        () -> {
          guests.build(name, b.template());
          return Reply.json(201, GuestJson.status(guests.status(name)));
        });
  }

  private Reply cloneGuest(GuestName source, ApiRequest r) {
    GuestName target = name(Requests.cloneTarget(r.body()));
    requireGuest(source);
    return operations.run(
        async(r),
        "clone " + source + " " + target,
        () -> {
          guests.clone(source, target);
          return Reply.json(201, GuestJson.status(guests.status(target)));
        });
  }

  private Reply changeState(GuestName name, Requests.StateChange c, boolean async) {
    requireGuest(name);
    return operations.run(
        async,
        c.action().name().toLowerCase(java.util.Locale.ROOT) + " " + name,
        () -> {
          switch (c.action()) {
            case START -> guests.start(name, List.of(), Guests.Attach.DETACHED);
            case STOP -> guests.stop(name, stopTimeout(name, c));
            case RESTART -> {
              if (guests.status(name).state() == GuestStatus.State.RUNNING) {
                guests.stop(name, stopTimeout(name, c));
              }
              guests.start(name, List.of(), Guests.Attach.DETACHED);
            }
          }
          return Reply.json(GuestJson.status(guests.status(name)));
        });
  }

  /** GET /1.0/operations, /1.0/operations/ID, /1.0/operations/ID/wait?timeout=S. */
  private Reply operations(ApiRequest r) {
    if (!r.method().equals("GET")) {
      return notAllowed(r);
    }
    return switch (r.depth()) {
      case 1 -> Reply.json(operations.list());
      case 2 -> Reply.json(operations.get(r.segment(1)).json());
      case 3 ->
          r.segment(2).equals("wait")
              ? Reply.json(
                  Operations.await(
                      operations.get(r.segment(1)),
                      Duration.ofSeconds(intParam(r, "timeout", 30, MAX_WAIT_SECONDS))))
              : notFound(r);
      default -> notFound(r);
    };
  }

  /** An unknown guest is a 404 before an operation starts, not a failed operation. */
  private void requireGuest(GuestName name) {
    if (!Files.isDirectory(guests.dirs().guest(name))) {
      throw new JvsException(name + ": no such guest");
    }
  }

  /** ?async=true: answer 202 with the operation instead of waiting for it. */
  private static boolean async(ApiRequest r) {
    return bool(r, "async");
  }

  private static boolean bool(ApiRequest r, String key) {
    String v = r.query().get(key);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw ApiException.badRequest(
        "query parameter '" + key + "': '" + ErrorStatus.line(v) + "' is not true or false");
  }

  private Duration stopTimeout(GuestName name, Requests.StateChange c) {
    if (c.force()) {
      return Duration.ZERO; // SIGKILL at once, as `jvs stop -t 0`
    }
    return c.timeout() != null ? c.timeout() : guests.stopTimeout(name);
  }

  private Reply exec(GuestName name, Requests.Exec e) {
    try {
      Files.createDirectories(scratch);
      Path in = Files.createTempFile(scratch, "exec-", ".in");
      Path out = Files.createTempFile(scratch, "exec-", ".out");
      Path err = Files.createTempFile(scratch, "exec-", ".err");
      try {
        Files.writeString(in, e.stdin());
        Launcher.Stdio stdio =
            new Launcher.Stdio(
                ProcessBuilder.Redirect.from(in.toFile()),
                ProcessBuilder.Redirect.to(out.toFile()),
                ProcessBuilder.Redirect.to(err.toFile()));
        int code = guests.exec(name, e.command(), false, stdio);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exit_code", code);
        m.put("stdout", head(out));
        m.put("stderr", head(err));
        m.put("truncated", Files.size(out) > MAX_EXEC_OUTPUT || Files.size(err) > MAX_EXEC_OUTPUT);
        return Reply.json(m);
      } finally {
        Files.deleteIfExists(in);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
  }

  private static String head(Path file) throws IOException {
    try (InputStream s = Files.newInputStream(file)) {
      return new String(s.readNBytes(MAX_EXEC_OUTPUT), StandardCharsets.UTF_8);
    }
  }

  private Reply console(GuestName name, ApiRequest r) {
    guests.config(name); // an unknown guest is a 404, not an empty log
    int max = intParam(r, "bytes", CONSOLE_DEFAULT, 16 << 20);
    Path log = guests.dirs().runGuest(name).resolve(StateStore.CONSOLE_LOG);
    try {
      if (!Files.exists(log)) {
        return Reply.text("", "text/plain; charset=utf-8");
      }
      byte[] all = Files.readAllBytes(log);
      int from = Math.max(0, all.length - max);
      return Reply.text(
          new String(all, from, all.length - from, StandardCharsets.UTF_8),
          "text/plain; charset=utf-8");
    } catch (IOException e) {
      throw new JvsException(name + ": " + log + ": " + e.getMessage(), e);
    }
  }

  private Reply templates(ApiRequest r) {
    if (r.depth() == 1 && r.method().equals("POST")) {
      return templateBuild(r);
    }
    if (r.depth() == 1) {
      return only(
          r,
          "GET",
          1,
          () -> Reply.json(templates.list().stream().map(this::templateJson).toList()));
    }
    if (r.depth() == 2 && r.method().equals("DELETE")) {
      String t = name(r.segment(1)).value(); // the same rule keeps a path out of a template name
      templates.remove(t, () -> guests.templateUsers(t));
      return Reply.json(Map.of("deleted", t));
    }
    if (r.depth() == 2 && r.method().equals("GET")) {
      String t = name(r.segment(1)).value();
      return Reply.json(
          templates.list().stream()
              .filter(i -> i.name().equals(t))
              .findFirst()
              .map(this::templateJson)
              .orElseThrow(() -> new ApiException(404, "no such template: " + t)));
    }
    return r.depth() == 2 ? notAllowed(r) : notFound(r);
  }

  private Map<String, Object> templateJson(Templates.Info t) {
    return Map.of("name", t.name(), "source", t.source(), "image_config", t.imageConfig());
  }

  /**
   * POST /1.0/templates: {"name", "from": "busybox|debian:SUITE|oci:PATH"} builds as `jvs template
   * build`, {"name", "import": "/host/path"} imports an OCI layout or archive as `jvs template
   * import`.
   */
  private Reply templateBuild(ApiRequest r) {
    Requests.TemplateSource t = Requests.templateSource(r.body());
    String name = name(t.name()).value();
    TemplateSources sources = TemplateSources.forHost(templates, env);
    String what = (t.importPath() != null ? "import template " : "build template ") + name;
    return operations.run(
        async(r),
        what,
        () -> {
          if (t.importPath() != null) {
            sources.importImage(name, t.importPath());
          } else {
            sources.build(name, t.from(), line -> {});
          }
          return Reply.json(
              201,
              templates.list().stream()
                  .filter(i -> i.name().equals(name))
                  .findFirst()
                  .map(this::templateJson)
                  .orElseThrow());
        });
  }

  private Reply host() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", "jvs 0.1.0");
    m.put("api", "1.0");
    m.put("kernel", readTrimmed("/proc/sys/kernel/osrelease"));
    m.put("cgroup", cgroups.describe());
    m.put("root", guests.dirs().root().toString());
    m.put("run", guests.dirs().run().toString());
    List<GuestStatus> all = guests.list();
    m.put("guests", all.size());
    m.put("running", all.stream().filter(s -> s.state() == GuestStatus.State.RUNNING).count());
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    return Reply.json(m);
  }

  private static String readTrimmed(String file) {
    try {
      return Files.readString(Path.of(file)).strip();
    } catch (IOException e) {
      return "";
    }
  }

  static GuestName name(String value) {
    try {
      return GuestName.of(value);
    } catch (JvsException e) {
      throw ApiException.badRequest(ErrorStatus.line(e.getMessage()));
    }
  }

  private static int intParam(ApiRequest r, String key, int fallback, int max) {
    String v = r.query().get(key);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 0 || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "query parameter '" + key + "': '" + ErrorStatus.line(v) + "' is not 0.." + max);
    }
  }

  private static Reply only(
      ApiRequest r, String method, int depth, java.util.function.Supplier<Reply> then) {
    if (r.depth() != depth) {
      return notFound(r);
    }
    return r.method().equals(method) ? then.get() : notAllowed(r);
  }

  static Reply notFound(ApiRequest r) {
    throw new ApiException(404, "no such resource: /1.0/" + String.join("/", r.path()));
  }

  static Reply notAllowed(ApiRequest r) {
    throw new ApiException(
        405, r.method() + " is not allowed on /1.0/" + String.join("/", r.path()));
  }
}
