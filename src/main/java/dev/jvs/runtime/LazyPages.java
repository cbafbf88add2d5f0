package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The destination's {@code criu lazy-pages} daemon of a post-copy restore (docs/migration.md): the
 * restored tree's memory is registered with userfaultfd, and the daemon fills it from the source's
 * page server, the pages a task faults on first, then the rest in the background. It ends by itself
 * once all of it is here; a failed restore kills it.
 */
final class LazyPages implements AutoCloseable {
  static final String LOG = "lazy-pages.log";
  private static final String STATUS = "lazy-pages.status";

  private final Process daemon;
  private final Criu criu;
  private final String who;
  private final Path images;
  private boolean kept;

  private LazyPages(Process daemon, Criu criu, String who, Path images) {
    this.daemon = daemon;
    this.criu = criu;
    this.who = who;
    this.images = images;
  }

  /**
   * Starts the daemon for {@code images}; it listens for the restore once {@link #awaitListening}
   * returns (the caller prepares the rest of the restore meanwhile).
   */
  static LazyPages launch(Criu criu, String who, Path images, InetSocketAddress source) {
    Path status = images.resolve(STATUS);
    Path log = images.resolve(LOG);
    try {
      Files.deleteIfExists(status);
    } catch (IOException e) {
      throw new JvsException(who + ": " + status + ": " + e.getMessage(), e);
    }
    ProcessBuilder pb =
        criu.builder(
                // criu writes a byte to the status fd once its socket for the restore listens
                List.of("sh", "-c", "exec \"$@\" 3>\"$0\"", status.toString()),
                List.of(
                    "lazy-pages",
                    "--page-server",
                    "--address",
                    source.getAddress().getHostAddress(),
                    "--port",
                    Integer.toString(source.getPort()),
                    "-D",
                    images.toString(),
                    "-o",
                    log.toString(),
                    "-v4",
                    "--status-fd",
                    "3"))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(images.resolve("criu.out").toFile()));
    return new LazyPages(criu.start(who, "lazy-pages", pb), criu, who, images);
  }

  /** Waits until the daemon listens for the restore; a daemon that ended is its failure. */
  void awaitListening() {
    Path status = images.resolve(STATUS);
    Path log = images.resolve(LOG);
    if (!criu.await(who, "lazy-pages", daemon, log, () -> size(status) > 0)) {
      throw Criu.failure(who, "lazy-pages", daemon.exitValue(), log);
    }
  }

  /** The restore succeeded: the daemon goes on until the memory is all here. */
  void keep() {
    kept = true;
  }

  @Override
  public void close() {
    if (!kept && daemon.isAlive()) {
      Criu.kill(daemon);
    }
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
