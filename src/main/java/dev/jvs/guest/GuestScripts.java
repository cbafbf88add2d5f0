package dev.jvs.guest;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.config.Values;
import dev.jvs.guest.state.StateStore;
import dev.jvs.runtime.HookRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * util-vserver's per-guest scripts: guests/NAME/scripts/EVENT on the host, run as root around a
 * start and a stop (docs/guest-config.md, "Lifecycle scripts"). Their output goes to the guest's
 * console log, each line marked with the script's name.
 */
final class GuestScripts {
  static final String DIR = "scripts";

  /** The events, in the order a start and a stop run them. */
  enum Event {
    PREPRE_START("prepre-start"),
    PRE_START("pre-start"),
    POST_START("post-start"),
    PRE_STOP("pre-stop"),
    POST_STOP("post-stop"),
    POSTPOST_STOP("postpost-stop");

    final String fileName;

    Event(String fileName) {
      this.fileName = fileName;
    }

    @Override
    public String toString() {
      return fileName;
    }
  }

  private final JvsDirs dirs;

  GuestScripts(JvsDirs dirs) {
    this.dirs = dirs;
  }

  /**
   * Runs the guest's script for {@code event}, if it has one. Returns "EVENT: why" when it failed
   * (its last line on stderr, its exit status, its timeout, or why it was refused), else empty.
   */
  Optional<String> run(GuestName name, Event event, GuestConfig config, OptionalLong initPid) {
    Path script;
    try {
      script = find(name, event).orElse(null);
    } catch (IOException | IllegalStateException e) {
      return failed(name, event, e.getMessage());
    }
    if (script == null) {
      return Optional.empty();
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("JVS_GUEST", name.value());
    env.put("JVS_ROOTFS", dirs.guest(name).resolve("rootfs").toString());
    env.put("JVS_EVENT", event.fileName);
    env.put("JVS_ROOT", dirs.root().toString());
    env.put("JVS_RUN", dirs.run().toString());
    initPid.ifPresent(pid -> env.put("JVS_INIT_PID", Long.toString(pid)));
    try (OutputStream log = openLog(name)) {
      HookRunner.Result r =
          HookRunner.run(
              new HookRunner.Hook(
                  List.of(script.toString()), env, dirs.guest(name), null, config.scriptsTimeout()),
              (stream, line) -> write(log, "[" + event + "] " + line));
      if (r.timedOut()) {
        return failed(
            log,
            event,
            "timed out after "
                + Values.formatDuration(config.scriptsTimeout())
                + " (scripts.timeout), killed");
      }
      if (r.exitCode() != 0) {
        return failed(
            log, event, r.lastError().isEmpty() ? "exit status " + r.exitCode() : r.lastError());
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(event + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of(event + ": interrupted");
    }
  }

  /**
   * The script, if there is one. Neither the scripts directory nor the script may be a symbolic
   * link: a script runs as root on the host and must be the host's own file.
   */
  private Optional<Path> find(GuestName name, Event event) throws IOException {
    Path dir = dirs.guest(name).resolve(DIR);
    BasicFileAttributes d = attributes(dir).orElse(null);
    if (d == null) {
      return Optional.empty();
    }
    if (d.isSymbolicLink() || !d.isDirectory()) {
      throw new IllegalStateException(dir + " is a symbolic link or not a directory (refused)");
    }
    Path script = dir.resolve(event.fileName);
    BasicFileAttributes s = attributes(script).orElse(null);
    if (s == null) {
      return Optional.empty();
    }
    if (s.isSymbolicLink() || !s.isRegularFile()) {
      throw new IllegalStateException(
          script + " is a symbolic link or not a regular file (refused)");
    }
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException(script + " is not executable");
    }
    return Optional.of(script);
  }

  private static Optional<BasicFileAttributes> attributes(Path p) throws IOException {
    try {
      return Optional.of(
          Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private Optional<String> failed(GuestName name, Event event, String why) {
    try (OutputStream log = openLog(name)) {
      return failed(log, event, why);
    } catch (IOException e) {
      return Optional.of(event + ": " + why);
    }
  }

  private static Optional<String> failed(OutputStream log, Event event, String why) {
    write(log, "[" + event + "] failed: " + why);
    return Optional.of(event + ": " + why);
  }

  /** The guest's console log, appended to as its monitor does (O_APPEND), never through a link. */
  private OutputStream openLog(GuestName name) throws IOException {
    Path run = dirs.runGuest(name);
    Files.createDirectories(run);
    return Files.newOutputStream(
        run.resolve(StateStore.CONSOLE_LOG),
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND,
        StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
  }

  private static void write(OutputStream log, String line) {
    try {
      log.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      log.flush();
    } catch (IOException e) {
      // a full disk loses the log line, never the start or stop
    }
  }
}
