package dev.jvs.migrate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Watches a post-copy dump's criu while it serves the guest's memory: every few milliseconds, the
 * TCP sockets listening on loopback in criu's network namespace (the source host's), read from
 * /proc/PID/net/tcp and tcp6. criu's page server has no authentication, so while it serves nothing
 * may listen there that any process of the namespace could connect to.
 */
final class LoopbackListeners implements AutoCloseable {
  private static final String LISTEN = "0A";

  private final Path images;
  private final Thread watcher;
  private final Set<String> seen = new ConcurrentSkipListSet<>();
  private final AtomicInteger servingSamples = new AtomicInteger();
  private volatile boolean stop;

  /** Watches the lazy dump of the guest whose images go to {@code images}. */
  LoopbackListeners(Path images) {
    this.images = images;
    this.watcher = Thread.ofPlatform().daemon().name("jvs-test-loopback-watch").start(this::watch);
  }

  /** Listening loopback sockets seen while criu served ("ADDR:PORT" as /proc shows them). */
  Set<String> seen() {
    return seen;
  }

  /** How many samples were taken while criu's page server served (after the gate). */
  int servingSamples() {
    return servingSamples.get();
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    watcher.join();
  }

  private void watch() {
    while (!stop) {
      for (long pid : lazyDumps()) {
        if (serving()) {
          List<String> listening = loopbackListeners(pid);
          if (serving()) { // still: the sample counts
            servingSamples.incrementAndGet();
            seen.addAll(listening);
          }
        }
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** criu logs this once the gate opened, right before its page server starts. */
  private boolean serving() {
    try {
      return Files.readString(images.resolve("dump.log"), StandardCharsets.ISO_8859_1)
          .contains("Starting lazy pages server");
    } catch (IOException e) {
      return false;
    }
  }

  private List<Long> lazyDumps() {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.toList()) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd = Files.readString(p.resolve("cmdline"), StandardCharsets.ISO_8859_1);
          if (cmd.contains("--lazy-pages\0") && cmd.contains(images.toString())) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      // /proc is there
    }
    return pids;
  }

  /** Local addresses of LISTEN sockets on 127.0.0.0/8 or ::1, in pid's network namespace. */
  private static List<String> loopbackListeners(long pid) {
    List<String> found = new ArrayList<>();
    for (String table : List.of("tcp", "tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table))) {
          String[] f = line.strip().split("\\s+");
          if (f.length > 3 && f[3].equals(LISTEN) && loopback(f[1])) {
            found.add(f[1]);
          }
        }
      } catch (IOException e) {
        // criu ended meanwhile
      }
    }
    return found;
  }

  /** /proc's hex address: IPv4 in host (little-endian) order, so 127.x.x.x ends in "7F". */
  private static boolean loopback(String local) {
    String addr = local.substring(0, local.indexOf(':'));
    return addr.length() == 8
        ? addr.endsWith("7F")
        : addr.equals("00000000000000000000000001000000");
  }
}
