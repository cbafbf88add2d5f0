package dev.jvs.sched;

import dev.jvs.base.JvsException;
import dev.jvs.guest.LxcfsView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * jvs's own lxcfs instance for one JVS_RUN: mounted at $JVS_RUN/lxcfs, pid in $JVS_RUN/lxcfs.pid.
 * lxcfs daemonizes, so it outlives the service that started it (guests that bound its files keep
 * working while `jvs serve` restarts).
 */
public final class Lxcfs {
  private final Path run;

  public Lxcfs(Path run) {
    this.run = run;
  }

  public Path mountPoint() {
    return LxcfsView.mountPoint(run);
  }

  private Path pidFile() {
    return run.resolve("lxcfs.pid");
  }

  /** Starts it unless one is live; replaces a dead mount. Returns what it did, for the log. */
  public String ensure() {
    Path mount = mountPoint();
    if (LxcfsView.live(mount)) {
      return "lxcfs: already serving " + mount;
    }
    Optional<Path> binary =
        List.of("/usr/bin/lxcfs", "/usr/local/bin/lxcfs").stream()
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst();
    if (binary.isEmpty()) {
      return "lxcfs: not installed; guests see host-wide /proc figures";
    }
    stop(); // a crashed instance leaves a dead FUSE mount (ENOTCONN)
    try {
      Files.createDirectories(mount);
      // Its own session: a Ctrl-C or a process-group kill aimed at `jvs serve` must not reach it.
      Process p =
          new ProcessBuilder(
                  "setsid",
                  binary.get().toString(),
                  "-p",
                  pidFile().toString(),
                  "-l",
                  "--enable-cfs",
                  mount.toString())
              .redirectErrorStream(true)
              .redirectOutput(run.resolve("lxcfs.log").toFile())
              .start();
      for (int i = 0; i < 100 && !LxcfsView.live(mount); i++) {
        Thread.sleep(50);
      }
      if (!LxcfsView.live(mount)) {
        p.destroy();
        throw new JvsException(
            "lxcfs did not come up at " + mount + " (see " + run.resolve("lxcfs.log") + ")");
      }
    } catch (IOException e) {
      throw new JvsException("lxcfs: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException("lxcfs: interrupted");
    }
    return "lxcfs: serving " + mount;
  }

  /** Whether an instance is mounted here or its pid file is left. */
  public boolean present() {
    try {
      return isMounted(mountPoint()) || Files.exists(pidFile());
    } catch (IOException e) {
      throw new JvsException("lxcfs: " + e.getMessage(), e);
    }
  }

  /** Unmounts and ends the instance, if any. */
  public void stop() {
    Path mount = mountPoint();
    try {
      if (isMounted(mount)) {
        new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
      }
      if (Files.exists(pidFile())) {
        long pid = Long.parseLong(Files.readString(pidFile()).strip());
        ProcessHandle.of(pid)
            .filter(h -> h.info().command().orElse("").endsWith("lxcfs"))
            .ifPresent(
                h -> {
                  h.destroy();
                  h.onExit()
                      .orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                      .exceptionally(t -> null)
                      .join();
                });
        Files.deleteIfExists(pidFile());
      }
      if (Files.isDirectory(mount) && !isMounted(mount)) {
        Files.deleteIfExists(mount);
      }
    } catch (IOException | NumberFormatException e) {
      throw new JvsException("lxcfs: stop: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean isMounted(Path mount) throws IOException {
    String m = " " + mount.toAbsolutePath() + " ";
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .anyMatch(l -> l.contains(m));
  }
}
