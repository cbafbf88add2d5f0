package dev.jvs.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.config.GuestConfig;
import dev.jvs.image.Trees;
import dev.jvs.kernel.SocketPair;
import dev.jvs.net.NetConfig;
import dev.jvs.net.NetMode;
import dev.jvs.runtime.Checkpoints;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The source's side of `jvs migrate` (docs/migration.md).
 *
 * <p>Either way its private layer first streams to the destination's API while it runs, and only
 * what changed in it since goes with the images, once the guest is frozen.
 *
 * <p>Post-copy (the default): the guest is dumped without its memory and stays frozen here; its
 * layer's changes and images stream to the destination's API, which restores it with its memory
 * fetched on demand from criu's page server here, through a {@link PageRelay} on the link; once all
 * of it was fetched criu kills the tree here and the guest is deleted. A failure before the
 * destination answers that the guest runs undoes the dump: the guest runs on here.
 *
 * <p>Stop-copy: the guest is checkpointed (frozen and dumped, memory and all, its processes gone),
 * and its layer's changes and images stream to the destination, which restores it; any failure
 * after the dump restores it here from the same images.
 *
 * <p>Either way the destination drops what it staged on failure, and the guest is deleted here only
 * once the destination answers that it runs there; the link breaking after the destination restored
 * it and before its answer arrived is the one window left (docs/migration.md).
 */
public final class Migration {
  /** How the memory moves. */
  public enum Mode {
    /** Dumped with the rest, sent before the restore: downtime grows with the memory. */
    STOP_COPY,
    /** Fetched by the destination after the resume (criu lazy pages): downtime without it. */
    POST_COPY
  }

  /** criu's own deadline is 120 s by default: the destination's restore answers within it. */
  private static final Duration RESTORE_ANSWER = Duration.ofSeconds(300);

  private static final Duration SMALL_CALL = Duration.ofSeconds(30);

  /** What the warm-up sends: ~4 MiB got the upload path compiled here (1 MiB: about half). */
  private static final int WARM_UP_BYTES = 4 << 20;

  private static final Duration UPLOAD = Duration.ofHours(1);

  private final Guests guests;
  private final PeerClient peer;
  private final Mode mode;
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
      Mode mode,
      Consumer<String> progress) {
    this.guests = guests;
    this.peer = new PeerClient(to, token, fingerprint, stall);
    this.mode = mode;
    this.progress = progress;
  }

  /**
   * What a migration took: all of it, freeze to resume (from criu's seizing the tree, as its dump
   * log times it, to criu's resume of it there, {@link #resumedThere}), its steps, and with
   * post-copy how long the memory took to follow after the resume. {@code beforeFreeze} is the
   * dump's start until the freeze: the guest still runs then.
   */
  public record Timing(
      Mode mode,
      Duration total,
      Duration downtime,
      Duration beforeFreeze,
      Duration dump,
      Duration transfer,
      Duration restore,
      Duration memoryAfterResume,
      String restoreThere) {}

  /**
   * When a stop-copy dump froze the guest, by criu's log ({@link Checkpoints#frozenAt}); {@code
   * dumpStart}, taken before jvs prepared and spawned criu, where it does not say. Never late, so a
   * downtime from it is never too short.
   */
  private long freeze(GuestName name, long dumpStart) {
    return Checkpoints.frozenAt(guests.dirs().guest(name).resolve("checkpoint"), dumpStart);
  }

  /**
   * When the guest resumed there, in this host's clock: the restore answer's arrival (before it is
   * parsed) less how long the guest had been running when the destination answered ({@code
   * runningMs}: its bookkeeping after criu's resume). The answer's way back stays in, so this is
   * late, never early: a downtime to it is never too short. An older service's answer says nothing:
   * its arrival.
   */
  private static long resumedThere(JsonNode answer, long arrived) {
    return arrived - TimeUnit.MILLISECONDS.toNanos(answer.path("runningMs").asLong(0));
  }

  /** The destination's restore answer's phases as "name N ms, …" ("" from an older service). */
  private static String phases(JsonNode answer) {
    List<String> parts = new java.util.ArrayList<>();
    for (JsonNode p : answer.path("phases")) {
      parts.add(p.path("name").asText() + " " + p.path("ms").asLong() + " ms");
    }
    return String.join(", ", parts);
  }

  /** Migrates the running guest {@code name}; on failure it runs here (again) and this says why. */
  public Timing migrate(GuestName name) {
    long start = System.nanoTime();
    GuestStatus status = guests.status(name);
    if (status.state() != GuestStatus.State.RUNNING) {
      throw new JvsException(name + ": not running (only a running guest migrates)");
    }
    GuestConfig config = guests.config(name);
    if (config.resources().containsKey("disk.space")) {
      // its private files live in guests/NAME/disk.img, and only upper/ is sent
      throw new JvsException(
          name
              + ": disk.space: a guest with a disk image cannot migrate yet (its image is not sent)");
    }
    NetMode net = NetConfig.from(config.resources()).mode();
    if (!net.ownStack()) {
      // its sockets are bound to this host's addresses and ports
      throw new JvsException(
          name
              + ": net.mode "
              + net.value()
              + ": a guest in the host's network stack cannot migrate (only one with a network of"
              + " its own does)");
    }
    String path = "/1.0/migrations/" + name.value();
    Path snapshots;
    try {
      snapshots = Files.createTempDirectory("jvs-migrate-");
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": migrate: " + e.getMessage(), e);
    }
    Layer layer = new Layer(name, path, snapshots.resolve("layer.snar"));
    try {
      return mode == Mode.POST_COPY
          ? postCopy(name, config, path, layer, start)
          : stopCopy(name, config, path, layer, start);
    } finally {
      Trees.deleteIfExists(snapshots);
    }
  }

  /**
   * The guest's private layer and config, sent while it runs ({@link #beforeFreeze}), then what
   * changed in them since, with the images ({@link #withImages}): GNU tar's incremental dumps,
   * through {@code snapshot}, so the layer's size stays out of the downtime.
   */
  private final class Layer {
    private final GuestName name;
    private final String path;
    private final Path snapshot;

    Layer(GuestName name, String path, Path snapshot) {
      this.name = name;
      this.path = path;
      this.snapshot = snapshot;
    }

    void beforeFreeze() {
      long t = System.nanoTime();
      send(
          "layer",
          path + "/layer",
          guests.dirs().guest(name),
          Optional.of(snapshot),
          ConfigFile.FILE_NAME,
          "upper");
      progress.accept("sent the private layer in " + millis(System.nanoTime() - t) + " ms");
    }

    /** The images first: they are all new, and small beside what may have changed in upper/. */
    void withImages() {
      send(
          "files",
          path + "/files",
          guests.dirs().guest(name),
          Optional.of(snapshot),
          "checkpoint",
          ConfigFile.FILE_NAME,
          "upper");
    }
  }

  private Timing stopCopy(
      GuestName name, GuestConfig config, String path, Layer layer, long start) {
    boolean dumped = false;
    try {
      begin(name, config, path);
      layer.beforeFreeze();
      long dumpStart = System.nanoTime();
      guests.checkpoint(name, false, Optional.empty());
      dumped = true;
      long afterDump = System.nanoTime();
      long freeze = freeze(name, dumpStart);
      progress.accept("dumped in " + millis(afterDump - freeze) + " ms; sending");
      layer.withImages();
      long afterSend = System.nanoTime();
      progress.accept("sent in " + millis(afterSend - afterDump) + " ms; restoring there");
      PeerClient.Answer answer =
          peer.request("restore", "POST", path + "/restore", null, RESTORE_ANSWER);
      long answered = System.nanoTime();
      long resumed = resumedThere(answer.json(), answer.arrived());
      guests.delete(name, false);
      return new Timing(
          mode,
          Duration.ofNanos(answered - start),
          Duration.ofNanos(resumed - freeze),
          Duration.ofNanos(freeze - dumpStart),
          Duration.ofNanos(afterDump - freeze),
          Duration.ofNanos(afterSend - afterDump),
          Duration.ofNanos(resumed - afterSend),
          Duration.ZERO,
          phases(answer.json()));
    } catch (RuntimeException e) {
      throw rolledBack(name, path, dumped, e);
    }
  }

  /**
   * The announcement: the guest, its template, and for an unprivileged guest the base of its host
   * ids, which criu restores as they are (the destination refuses them if another guest holds them
   * there; docs/migration.md).
   */
  private Map<String, Object> begun(GuestName name, GuestConfig config) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("name", name.value());
    body.put("template", config.template());
    guests.runningIdRange(name).ifPresent(r -> body.put("ids", r.base()));
    return body;
  }

  /**
   * Announces the guest to the destination, warms the way the frozen guest's files will take, and
   * sends its template when the destination lacks it.
   */
  private void begin(GuestName name, GuestConfig config, String path) {
    JsonNode began = peer.call("begin", "POST", "/1.0/migrations", begun(name, config), SMALL_CALL);
    warmUp(path);
    if (!began.path("template").asBoolean(false)) {
      progress.accept("sending template " + config.template() + " (the destination lacks it)");
      send(
          "template",
          path + "/template",
          guests.dirs().templates(),
          Optional.empty(),
          config.template());
    }
  }

  /**
   * Both services' first large TLS upload runs their AES-GCM and HTTP code interpreted, before the
   * JIT has compiled it: 120-150 ms for a few hundred KiB here, which the frozen guest's images
   * would pay. A few MiB that go nowhere, before the freeze, get that code compiled on both sides
   * (docs/migration.md, figures).
   */
  private void warmUp(String path) {
    long t = System.nanoTime();
    byte[] nothing = new byte[WARM_UP_BYTES];
    peer.upload(
        "warm-up",
        path + "/" + IncomingMigrations.WARM_UP,
        () -> new ByteArrayInputStream(nothing),
        SMALL_CALL);
    progress.accept("warmed the way for the images in " + millis(System.nanoTime() - t) + " ms");
  }

  /**
   * Post-copy: the dump waits, frozen, while its images go; the destination restores and fetches
   * the memory through the relay. Every failure leaves the guest running here.
   */
  private Timing postCopy(
      GuestName name, GuestConfig config, String path, Layer layer, long start) {
    long[] at = new long[5]; // dump started, images written, sent, resumed there, frozen
    String[] there = {""};
    PageRelay[] relay = new PageRelay[1];
    boolean[] frozen = new boolean[1];
    try {
      begin(name, config, path);
      layer.beforeFreeze();
      InetAddress local = Link.localAddressToward(peer.base());
      InetAddress remote = Link.address(peer.base());
      at[0] = System.nanoTime();
      guests.checkpointLazily(
          name,
          new Checkpoints.Handoff() {
            @Override
            public void imagesWritten(long frozenAt) {
              frozen[0] = true;
              at[1] = System.nanoTime();
              at[4] = frozenAt;
              progress.accept(
                  "dumped all but the memory in " + millis(at[1] - at[4]) + " ms; sending");
              layer.withImages();
              at[2] = System.nanoTime();
              progress.accept("sent in " + millis(at[2] - at[1]) + " ms; restoring there");
            }

            @Override
            public void pagesServed(SocketPair criu) {
              relay[0] = PageRelay.open(local, remote, criu);
              try {
                InetSocketAddress pages = relay[0].address();
                PeerClient.Answer answer =
                    peer.request(
                        "restore",
                        "POST",
                        path + "/restore",
                        Map.of(
                            "pages", pages.getAddress().getHostAddress() + ":" + pages.getPort()),
                        RESTORE_ANSWER);
                there[0] = phases(answer.json());
                at[3] = resumedThere(answer.json(), answer.arrived());
              } catch (RuntimeException e) {
                relay[0].rollback();
                throw e;
              }
              relay[0].commit();
              progress.accept(
                  "running there "
                      + millis(at[3] - at[4])
                      + " ms after the freeze; its memory follows");
            }
          });
      long fetched = System.nanoTime();
      guests.delete(name, false);
      return new Timing(
          mode,
          Duration.ofNanos(fetched - start),
          Duration.ofNanos(at[3] - at[4]),
          Duration.ofNanos(at[4] - at[0]),
          Duration.ofNanos(at[1] - at[4]),
          Duration.ofNanos(at[2] - at[1]),
          Duration.ofNanos(at[3] - at[2]),
          Duration.ofNanos(fetched - at[3]),
          there[0]);
    } catch (Checkpoints.AfterResumeFailure e) {
      throw new JvsException(
          name
              + ": migrate to "
              + peer.base()
              + ": the guest runs there, but its memory may not all have arrived: "
              + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      try {
        peer.call("abort", "DELETE", path, null, Duration.ofSeconds(10));
      } catch (RuntimeException ignored) {
        // gone or cut off: the destination drops its staging itself
      }
      String why = name + ": migrate to " + peer.base() + ": " + e.getMessage();
      throw new JvsException(
          why
              + (frozen[0]
                  ? " (the guest runs here again: its dump was undone)"
                  : " (the guest kept running here)"),
          e);
    } finally {
      if (relay[0] != null) {
        relay[0].close();
      }
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

  private void send(
      String step, String path, Path dir, Optional<Path> snapshot, String... members) {
    try (TarStream tar = TarStream.create(dir, List.of(members), snapshot)) {
      peer.upload(step, path, tar::in, UPLOAD);
      if (!tar.waitFor(30)) {
        throw new JvsException(step + ": tar did not end");
      }
      if (tar.exitValue() > 1) { // 1: a file changed while read; the guest is frozen or gone
        throw new JvsException(step + ": tar of " + dir + " failed (exit " + tar.exitValue() + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(step + ": interrupted");
    }
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
