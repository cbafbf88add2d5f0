package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL as plain host processes, each instance in a directory of its own, in a cgroup of its
 * own beside the guests' (as {@link MicroBench} places native), as user postgres.
 */
final class NativePgFleet extends PgFleet {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private final BenchHost host;
  private final Path dirs;
  private final List<String> inCgroup;
  private final Path script;
  private final Path seed;
  private final List<Process> servers = new ArrayList<>();

  /**
   * @param dirs where the instances' directories go, removed at close
   * @param inCgroup a command prefix that moves the command into the native cgroup
   * @param script the host copy of {@link PgInstall#SCRIPT}
   * @param seed the directory holding the seed cluster's data/
   */
  NativePgFleet(BenchHost host, Path dirs, List<String> inCgroup, Path script, Path seed) {
    super("native");
    this.host = host;
    this.dirs = dirs;
    this.inCgroup = inCgroup;
    this.script = script;
    this.seed = seed;
    host.onClose(this::close);
  }

  private Path dir(int i) {
    return dirs.resolve(String.valueOf(i));
  }

  private List<String> argv(String... args) {
    List<String> argv = new ArrayList<>(inCgroup);
    argv.addAll(PgInstall.asPostgres());
    argv.addAll(List.of("/bin/sh", script.toString()));
    argv.addAll(List.of(args));
    return argv;
  }

  @Override
  void startOne(int i) {
    Path dir = PgInstall.ownedByPostgres(dir(i));
    ProcessBuilder pb =
        new ProcessBuilder(argv("serve", seed.toString(), dir.toString()))
            .redirectInput(new File("/dev/null"))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    // a run killed before its cleanup is reclaimed by this mark (BenchHost.reclaimAbandoned)
    pb.environment().put("JVS_ROOT", host.dirs().root().toString());
    try {
      synchronized (servers) {
        servers.add(pb.start());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("native postgres " + i + ": " + e.getMessage(), e);
    }
  }

  @Override
  void awaitReady(int i) {
    host.commands().check(argv("ready", dir(i).toString()), TIMEOUT);
  }

  @Override
  String bench(int i, int seconds, int clients) {
    return host.commands()
        .check(
            argv("bench", dir(i).toString(), String.valueOf(seconds), String.valueOf(clients)),
            TIMEOUT);
  }

  /** SIGINT (PostgreSQL's fast shutdown) to every server, SIGKILL to what stays after 30 s. */
  @Override
  public void close() {
    List<Process> all;
    synchronized (servers) {
      all = List.copyOf(servers);
      servers.clear();
    }
    for (Process p : all) {
      if (p.isAlive()) {
        host.commands().capture(List.of("kill", "-INT", String.valueOf(p.pid())), TIMEOUT);
      }
    }
    List<String> stuck = new ArrayList<>();
    for (Process p : all) {
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          stuck.add(String.valueOf(p.pid()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JvsException("native postgres: interrupted while stopping");
      }
    }
    if (!stuck.isEmpty()) {
      throw new JvsException("native postgres " + stuck + ": killed, no fast shutdown in 30 s");
    }
    PgFleet.removeUnmounted(dirs);
  }
}
