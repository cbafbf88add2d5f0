package dev.jvs.image;

import dev.jvs.base.JvsException;
import dev.jvs.kernel.FileLock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A Debian root filesystem made by debootstrap from the host's apt mirror, cached per machine under
 * CACHE/debootstrap/SUITE-ARCH-KEY/rootfs (KEY hashes mirror, package set and the container
 * adjustments), so it is downloaded once and every template build after that only hard-links it.
 * The cache entry appears only complete (staging + rename, under a lock).
 */
public final class Debootstrap {
  /** Packages beyond minbase: sysvinit as PID 1, cron as a service that proves runlevel 2. */
  static final List<String> INCLUDE = List.of("sysvinit-core", "cron", "procps");

  static final String VARIANT = "minbase";

  /** Bump when {@link DebianGuest#adjust} changes, so old cache entries are not reused. */
  static final int RECIPE = 1;

  private final Path cache;
  private final String mirror;
  private final String arch;

  public Debootstrap(Path cache, String mirror, String arch) {
    this.cache = cache.resolve("debootstrap");
    this.mirror = mirror;
    this.arch = arch;
  }

  /** The per-machine cache: $JVS_CACHE, else /var/cache/jvs. */
  public static Path defaultCache(java.util.Map<String, String> env) {
    return Path.of(env.getOrDefault("JVS_CACHE", "/var/cache/jvs"));
  }

  public String mirror() {
    return mirror;
  }

  /** The cached rootfs for {@code suite}, running debootstrap first when it is not cached. */
  public Path rootfs(String suite, Consumer<String> progress) {
    if (!suite.matches("[a-z][a-z0-9-]{1,31}")) {
      throw new ImageException("invalid Debian suite '" + suite + "'");
    }
    Path entry = cache.resolve(suite + "-" + arch + "-" + key(suite));
    Path rootfs = entry.resolve("rootfs");
    if (Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
      return rootfs;
    }
    try {
      Files.createDirectories(cache);
      try (FileLock lock = FileLock.acquire(cache.resolve(entry.getFileName() + ".lock"))) {
        if (Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
          return rootfs;
        }
        sweep(entry.getFileName().toString());
        Path staging = Files.createTempDirectory(cache, "." + entry.getFileName() + ".build-");
        try {
          run(suite, staging, progress);
          DebianGuest.adjust(staging.resolve("rootfs"));
          Files.move(staging, entry, StandardCopyOption.ATOMIC_MOVE);
          staging = null;
        } finally {
          if (staging != null) {
            Mounts.unmountBelow(staging);
            Trees.deleteIfExists(staging);
          }
        }
      }
    } catch (IOException e) {
      throw new ImageException("debootstrap " + suite + ": " + Layers.ioMessage(e), e);
    }
    return rootfs;
  }

  private String key(String suite) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      String recipe =
          mirror + "|" + suite + "|" + arch + "|" + VARIANT + "|" + INCLUDE + "|" + RECIPE;
      return HexFormat.of().formatHex(sha.digest(recipe.getBytes(StandardCharsets.UTF_8)), 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void run(String suite, Path staging, Consumer<String> progress) throws IOException {
    Path exe =
        Stream.of("/usr/sbin/debootstrap", "/sbin/debootstrap", "/usr/bin/debootstrap")
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst()
            .orElseThrow(
                () -> new JvsException("debootstrap not found (apt-get install debootstrap)"));
    List<String> cmd =
        List.of(
            exe.toString(),
            "--variant=" + VARIANT,
            "--include=" + String.join(",", INCLUDE),
            "--arch=" + arch,
            suite,
            staging.resolve("rootfs").toString(),
            mirror);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    // Ctrl-C on the CLI must not leave debootstrap writing into a directory the next build sweeps.
    Thread killer = new Thread(p::destroyForcibly, "jvs-debootstrap-kill");
    java.lang.Runtime.getRuntime().addShutdownHook(killer);
    try {
      await(p, suite, staging, progress);
    } finally {
      try {
        java.lang.Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs
      }
    }
  }

  private void await(Process p, String suite, Path staging, Consumer<String> progress)
      throws IOException {
    Deque<String> tail = new ArrayDeque<>();
    // The full log stays beside the cache entry; the caller gets one line per step.
    try (BufferedReader r =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter log =
            new PrintWriter(Files.newBufferedWriter(staging.resolve("debootstrap.log")))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        log.println(line);
        progress.accept(line);
        tail.addLast(line);
        if (tail.size() > 20) {
          tail.removeFirst();
        }
      }
    }
    try {
      if (p.waitFor() != 0) {
        String why =
            tail.stream()
                .filter(l -> l.startsWith("E:"))
                .reduce((a, b) -> b)
                .orElse(tail.isEmpty() ? "no output" : tail.getLast());
        throw new ImageException("debootstrap " + suite + " from " + mirror + " failed: " + why);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ImageException("debootstrap " + suite + ": interrupted");
    }
  }

  /** Removes what an interrupted debootstrap left (the caller holds the entry's lock). */
  private void sweep(String entryName) throws IOException {
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> s = Files.list(cache)) {
      s.filter(p -> p.getFileName().toString().startsWith("." + entryName + ".build-"))
          .forEach(stale::add);
    }
    for (Path p : stale) {
      Mounts.unmountBelow(p);
      Trees.deleteIfExists(p);
    }
  }
}
