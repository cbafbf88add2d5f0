package dev.jvs.bench;

import dev.jvs.base.Executables;
import dev.jvs.base.JvsException;
import dev.jvs.image.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fixed source tree of the kernel compile: Debian's linux-source-6.1, fetched with `apt-get
 * download` on first use (not installed, so a host that never runs the experiment never pays for
 * it) and extracted once, whole, into {@value #CACHE}. The whole tree is needed: Kconfig sources
 * every architecture's Kconfig files. The first .deb found in the cache is the one used from then
 * on, so later runs build the same version even after Debian ships a newer one.
 */
final class KernelSource {
  static final Path CACHE = Path.of("/var/cache/jvs/linux-source");
  static final String PACKAGE = "linux-source-6.1";

  private static final Pattern DEB = Pattern.compile(PACKAGE + "_([^_]+)_all\\.deb");
  private static final String DONE = ".jvs-complete";
  private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(20);
  private static final Duration EXTRACT_TIMEOUT = Duration.ofMinutes(30);

  /**
   * Tools (or, with a leading /, files) the fetch and a tinyconfig build need, by the package that
   * has them; libelf's header is for objtool, which every x86_64 build compiles.
   */
  private static final List<String[]> TOOLS =
      List.of(
          new String[] {"make", "make"},
          new String[] {"gcc", "gcc"},
          new String[] {"flex", "flex"},
          new String[] {"bison", "bison"},
          new String[] {"bc", "bc"},
          new String[] {"perl", "perl"},
          new String[] {"/usr/include/libelf.h", "libelf-dev"},
          new String[] {"xz", "xz-utils"},
          new String[] {"apt-get", "apt"},
          new String[] {"dpkg-deb", "dpkg"});

  private final Path tree;
  private final String version;

  private KernelSource(Path tree, String version) {
    this.tree = tree;
    this.version = version;
  }

  /** The extracted tree (its top-level Makefile is directly inside). */
  Path tree() {
    return tree;
  }

  /** Debian's version of the package, e.g. 6.1.192-3. */
  String version() {
    return version;
  }

  /** Why this host cannot fetch or build the tree, if it cannot. */
  static Optional<String> missingTools() {
    List<String> packages = new ArrayList<>();
    for (String[] tool : TOOLS) {
      boolean present =
          tool[0].startsWith("/")
              ? Files.exists(Path.of(tool[0]))
              : Executables.find(tool[0]).isPresent();
      if (!present && !packages.contains(tool[1])) {
        packages.add(tool[1]);
      }
    }
    return packages.isEmpty()
        ? Optional.empty()
        : Optional.of(
            "missing "
                + String.join(", ", packages)
                + " (apt-get install "
                + String.join(" ", packages)
                + "; build.sh installs them)");
  }

  /** The cached tree, fetched and extracted first if it is not there yet. */
  static KernelSource ensure(HostCommands commands, Consumer<String> progress) {
    try {
      Files.createDirectories(CACHE);
      Path deb = cachedDeb().orElse(null);
      if (deb == null) {
        progress.accept("apt-get download " + PACKAGE + " into " + CACHE + " (once)");
        commands.check(
            List.of(
                "/bin/sh",
                "-c",
                "cd \"$1\" && apt-get download -q=2 " + PACKAGE,
                "sh",
                CACHE.toString()),
            FETCH_TIMEOUT);
        deb =
            cachedDeb()
                .orElseThrow(
                    () -> new JvsException(CACHE + ": apt-get download left no " + PACKAGE));
      }
      Matcher m = DEB.matcher(deb.getFileName().toString());
      if (!m.matches()) {
        throw new IllegalStateException(deb.toString());
      }
      String version = m.group(1);
      Path dir = CACHE.resolve(version);
      Path tree = dir.resolve(PACKAGE);
      if (!Files.exists(dir.resolve(DONE))) {
        extract(commands, deb, dir, progress);
      }
      return new KernelSource(tree, version);
    } catch (IOException e) {
      throw new UncheckedIOException(CACHE + ": " + e.getMessage(), e);
    }
  }

  private static Optional<Path> cachedDeb() throws IOException {
    try (DirectoryStream<Path> debs = Files.newDirectoryStream(CACHE, PACKAGE + "_*_all.deb")) {
      List<Path> all = new ArrayList<>();
      debs.forEach(all::add);
      return all.stream().sorted().findFirst();
    }
  }

  /**
   * Extracts the tarball inside the .deb into {@code dir}, through a sibling staging directory that
   * is renamed into place, so a killed extraction leaves no half tree that looks finished.
   */
  private static void extract(HostCommands commands, Path deb, Path dir, Consumer<String> progress)
      throws IOException {
    Path staging = dir.resolveSibling(dir.getFileName() + ".partial");
    Trees.deleteIfExists(staging);
    Trees.deleteIfExists(dir);
    Files.createDirectories(staging);
    progress.accept("extracting " + deb.getFileName() + " into " + dir + " (once, ~1.3 GB)");
    commands.check(
        List.of(
            "/bin/sh",
            "-c",
            "set -e; dpkg-deb --fsys-tarfile \"$1\" | tar -xO ./usr/src/"
                + PACKAGE
                + ".tar.xz | tar -xJ -C \"$2\"",
            "sh",
            deb.toString(),
            staging.toString()),
        EXTRACT_TIMEOUT);
    if (!Files.isRegularFile(staging.resolve(PACKAGE).resolve("Makefile"))) {
      throw new JvsException(deb + ": no " + PACKAGE + "/Makefile in its tarball");
    }
    Files.writeString(staging.resolve(DONE), "");
    Files.move(staging, dir);
  }
}
