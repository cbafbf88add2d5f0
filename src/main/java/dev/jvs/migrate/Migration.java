package dev.jvs.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.config.GuestConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The source's side of `jvs migrate` (docs/migration.md), stop-copy: the guest is checkpointed
 * (frozen and dumped, its processes gone), its private layer and images stream to the destination's
 * API, which restores it; only once the destination answers that the guest runs there is it deleted
 * here. Any failure after the dump restores it here from the same images, and the destination drops
 * what it staged: the guest runs on exactly one host, unless the link breaks after the destination
 * restored it and before its answer arrived (then the source, not knowing, resumes its copy too;
 * docs/migration.md says so).
 */
public final class Migration {
  /** criu's own deadline is 120 s by default: the destination's restore answers within it. */
  private static final Duration RESTORE_ANSWER = Duration.ofSeconds(300);

  private static final Duration SMALL_CALL = Duration.ofSeconds(30);
  private static final Duration UPLOAD = Duration.ofHours(1);

  private final Guests guests;
  private final PeerClient peer;
  private final Consumer<String> progress;

  /**
   * @param to the destination's API, https://HOST:PORT
   * @param token a token the destination trusts (jvs trust add, there)
   * @param fingerprint the destination's certificate SHA-256, as its service logged it
   * @param stall how long an upload may make no progress before the link counts as cut
   */
  public Migration(
      Guests guests,
      URI to,
      String token,
      String fingerprint,
      Duration stall,
      Consumer<String> progress) {
    this.guests = guests;
    this.peer = new PeerClient(to, token, fingerprint, stall);
    this.progress = progress;
  }

  /** What a migration took: all of it, and freeze to resume (from before the dump to "running"). */
  public record Timing(
      Duration total, Duration downtime, Duration dump, Duration transfer, Duration restore) {}

  /** Migrates the running guest {@code name}; on failure it runs here (again) and this says why. */
  public Timing migrate(GuestName name) {
    long start = System.nanoTime();
    GuestStatus status = guests.status(name);
    if (status.state() != GuestStatus.State.RUNNING) {
      throw new JvsException(name + ": not running (only a running guest migrates)");
    }
    if (guests.idRange(name).isPresent()) {
      throw new JvsException(
          name
              + ": an unprivileged guest cannot migrate yet (its files' owners are shifted into"
              + " this host's id range)");
    }
    GuestConfig config = guests.config(name);
    String path = "/1.0/migrations/" + name.value();
    boolean dumped = false;
    try {
      JsonNode began =
          peer.call(
              "begin",
              "POST",
              "/1.0/migrations",
              Map.of("name", name.value(), "template", config.template()),
              SMALL_CALL);
      if (!began.path("template").asBoolean(false)) {
        progress.accept("sending template " + config.template() + " (the destination lacks it)");
        send("template", path + "/template", guests.dirs().templates(), config.template());
      }
      long freeze = System.nanoTime();
      guests.checkpoint(name, false, Optional.empty());
      dumped = true;
      long afterDump = System.nanoTime();
      progress.accept("dumped in " + millis(afterDump - freeze) + " ms; sending");
      send(
          "files",
          path + "/files",
          guests.dirs().guest(name),
          ConfigFile.FILE_NAME,
          "upper",
          "checkpoint");
      long afterSend = System.nanoTime();
      progress.accept("sent in " + millis(afterSend - afterDump) + " ms; restoring there");
      peer.call("restore", "POST", path + "/restore", null, RESTORE_ANSWER);
      long resumed = System.nanoTime();
      guests.delete(name, false);
      return new Timing(
          Duration.ofNanos(resumed - start),
          Duration.ofNanos(resumed - freeze),
          Duration.ofNanos(afterDump - freeze),
          Duration.ofNanos(afterSend - afterDump),
          Duration.ofNanos(resumed - afterSend));
    } catch (RuntimeException e) {
      throw rolledBack(name, path, dumped, e);
    }
  }

  /**
   * Drops the destination's staging (if it answers) and resumes the guest here if it was dumped.
   */
  private JvsException rolledBack(GuestName name, String path, boolean dumped, RuntimeException e) {
    try {
      peer.call("abort", "DELETE", path, null, Duration.ofSeconds(10));
    } catch (RuntimeException ignored) {
      // gone or cut off: the destination drops its staging itself (a failed upload, a restart)
    }
    String why = name + ": migrate to " + peer.base() + ": " + e.getMessage();
    if (!dumped) {
      return new JvsException(why + " (the guest kept running here)", e);
    }
    try {
      guests.restore(name, Optional.empty());
    } catch (RuntimeException r) {
      return new JvsException(
          why
              + "; and restoring it here failed too: "
              + r.getMessage()
              + " (jvs restore "
              + name
              + ")",
          e);
    }
    return new JvsException(why + " (the guest runs here again, restored from its checkpoint)", e);
  }

  private void send(String step, String path, Path dir, String... members) {
    Process tar = TarStream.create(dir, List.of(members));
    try {
      peer.upload(step, path, tar::getInputStream, UPLOAD);
      if (!tar.waitFor(30, TimeUnit.SECONDS)) {
        throw new JvsException(step + ": tar did not end");
      }
      if (tar.exitValue() > 1) { // 1: a file changed while read; the guest is frozen or gone
        throw new JvsException(step + ": tar of " + dir + " failed (exit " + tar.exitValue() + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(step + ": interrupted");
    } finally {
      tar.destroyForcibly();
      try {
        tar.getInputStream().close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
