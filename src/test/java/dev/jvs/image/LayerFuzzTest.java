package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Issue 15, acceptance 7: image layers built from hostile entries - absolute names, "..", whiteouts
 * of "." and "..", a symbolic link and then a file through it, hard links out, device nodes, long
 * and huge pax headers - and byte-mutated layers, applied as an import applies them (real files, as
 * root). Whatever the layer, the import either succeeds or fails with one line (an {@link
 * ImageException}), and nothing outside the template's root changes.
 */
@Tag("kernel") // chown and real trees: root on the real kernel
class LayerFuzzTest {

  /** One tar entry as the generator describes it. */
  record Entry(char type, String name, String link, byte[] content) {
    @Override
    public String toString() {
      return type + " " + name + (link == null ? "" : " -> " + link);
    }
  }

  @Property
  void hostileLayersStayInsideTheRoot(@ForAll("layers") List<Entry> layer) throws IOException {
    byte[] tar = tar(layer);
    applyAndCheck(tar, layer.toString());
  }

  @Property
  void mutatedLayersFailWithOneLineOrApply(
      @ForAll("layers") List<Entry> layer,
      @ForAll("mutations") List<int[]> mutations,
      @ForAll boolean truncate)
      throws IOException {
    byte[] tar = tar(layer);
    for (int[] m : mutations) {
      tar[Math.floorMod(m[0], tar.length)] = (byte) m[1];
    }
    if (truncate) {
      tar = java.util.Arrays.copyOf(tar, tar.length / 2);
    }
    applyAndCheck(tar, layer + " mutated " + mutations.size());
  }

  private static void applyAndCheck(byte[] tar, String what) throws IOException {
    Path sandbox = Files.createTempDirectory(Path.of("/tmp"), "jvs-fuzz-");
    try {
      Path root = Files.createDirectory(sandbox.resolve("root"));
      Path outside = Files.createDirectories(sandbox.resolve("outside/dir"));
      Files.writeString(sandbox.resolve("outside/victim"), "host file");
      Files.writeString(outside.resolve("victim2"), "host file");
      // What a lower layer may have left: a link to the host's side, for entries to pass through.
      Files.createSymbolicLink(root.resolve("up"), sandbox.resolve("outside"));
      Files.createSymbolicLink(root.resolve("dotdot"), Path.of(".."));
      Path layer = sandbox.resolve("layer.tar");
      Files.write(layer, tar);
      Map<String, String> before = snapshot(sandbox, root);
      try {
        Layers.apply(layer, root, "layer");
      } catch (ImageException e) {
        assertThat(e.getMessage()).as(what).isNotBlank().doesNotContain("\n");
      }
      assertThat(snapshot(sandbox, root)).as(what).isEqualTo(before);
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.toList()) {
          BasicFileAttributes a =
              Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          assertThat(a.isOther()).as(what + ": a device node or fifo " + p).isFalse();
        }
      }
    } finally {
      Trees.deleteIfExists(sandbox);
    }
  }

  /** Every path of the sandbox outside the root (the layer itself excepted), with what it is. */
  private static Map<String, String> snapshot(Path sandbox, Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(sandbox)) {
      for (Path p : s.filter(p -> !p.startsWith(root)).toList()) {
        BasicFileAttributes a =
            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        out.put(
            sandbox.relativize(p).toString(),
            (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : "f")
                + " "
                + a.size()
                + " "
                + a.lastModifiedTime().toMillis()
                + " "
                + Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)
                + " "
                + Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
      }
    }
    // the sandbox's own entry: its mtime changes with the layer file written beside the root
    out.remove("");
    out.remove("layer.tar");
    return out;
  }

  @Provide
  Arbitrary<List<Entry>> layers() {
    return entry().list().ofMinSize(1).ofMaxSize(8);
  }

  @Provide
  Arbitrary<List<int[]>> mutations() {
    return Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, 255))
        .as((at, value) -> new int[] {at, value})
        .list()
        .ofMinSize(1)
        .ofMaxSize(6);
  }

  private static Arbitrary<Entry> entry() {
    Arbitrary<String> name = name();
    Arbitrary<String> target =
        Arbitraries.oneOf(
            name, Arbitraries.of("/", "..", "../..", "/tmp", "/etc/passwd", "", "up", "up/victim"));
    Arbitrary<byte[]> content =
        Arbitraries.oneOf(
            Arbitraries.just("pwned".getBytes(StandardCharsets.UTF_8)),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(64));
    return Arbitraries.oneOf(
        Combinators.combine(name, content).as((n, c) -> new Entry('f', n, null, c)),
        name.map(n -> new Entry('d', n, null, null)),
        Combinators.combine(name, target).as((n, t) -> new Entry('l', n, t, null)),
        Combinators.combine(name, target).as((n, t) -> new Entry('h', n, t, null)),
        Combinators.combine(Arbitraries.of('c', 'b', 'p'), name)
            .as((t, n) -> new Entry(t, n, null, null)),
        name.map(n -> new Entry('x', n, null, null))); // a huge pax header
  }

  /** Names from parts that have broken extractors: "..", ".", whiteouts, absolute, long. */
  private static Arbitrary<String> name() {
    Arbitrary<String> part =
        Arbitraries.oneOf(
            Arbitraries.of(
                "a",
                "b",
                "etc",
                "up",
                "dotdot",
                "..",
                ".",
                "",
                ".wh..",
                ".wh...",
                ".wh.up",
                ".wh.a",
                ".wh..wh..opq",
                "victim",
                "\u00fc",
                "a b",
                "-"),
            Arbitraries.strings().ofMinLength(1).ofMaxLength(8),
            Arbitraries.strings().withChars('x').ofLength(300));
    return Combinators.combine(
            Arbitraries.of("", "/", "./", "../"), part.list().ofMinSize(1).ofMaxSize(4))
        .as((prefix, parts) -> prefix + String.join("/", parts));
  }

  /** The tar bytes of a layer; where the writer itself refuses an entry, the layer ends there. */
  static byte[] tar(List<Entry> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarArchiveOutputStream out = new TarArchiveOutputStream(bytes); // in memory: nothing to leak
    out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    out.setAddPaxHeadersForNonAsciiNames(true);
    for (Entry e : entries) {
      TarArchiveEntry t = tarEntry(e);
      if (t == null) {
        continue;
      }
      try {
        out.putArchiveEntry(t);
        if (e.type() == 'f' && !t.isDirectory()) {
          out.write(e.content());
        }
        out.closeArchiveEntry();
      } catch (IllegalArgumentException | IOException refused) {
        return bytes.toByteArray(); // a truncated layer
      }
    }
    out.close();
    return bytes.toByteArray();
  }

  private static TarArchiveEntry tarEntry(Entry e) {
    if (e.name().isEmpty() || e.name().indexOf('\0') >= 0) {
      return null;
    }
    TarArchiveEntry t;
    switch (e.type()) {
      case 'f' -> {
        t = new TarArchiveEntry(e.name(), true);
        if (!t.isDirectory()) {
          t.setSize(e.content().length);
        }
        t.setMode(0104755); // set-uid: must not survive as root's
      }
      case 'd' -> {
        t = new TarArchiveEntry(e.name().endsWith("/") ? e.name() : e.name() + "/", true);
        t.setMode(040777);
      }
      case 'l' -> {
        t = new TarArchiveEntry(e.name(), TarConstants.LF_SYMLINK, true);
        t.setLinkName(e.link());
      }
      case 'h' -> {
        t = new TarArchiveEntry(e.name(), TarConstants.LF_LINK, true);
        t.setLinkName(e.link());
      }
      case 'c', 'b', 'p' -> {
        byte kind =
            e.type() == 'c'
                ? TarConstants.LF_CHR
                : e.type() == 'b' ? TarConstants.LF_BLK : TarConstants.LF_FIFO;
        t = new TarArchiveEntry(e.name(), kind, true);
        t.setDevMajor(1);
        t.setDevMinor(1); // /dev/mem
        t.setMode(0666);
      }
      default -> {
        // A pax header far beyond any real one: a megabyte-long comment, ids past 32 bits.
        t = new TarArchiveEntry(e.name(), true);
        t.addPaxHeader("comment", "x".repeat(1 << 20));
        t.setSize(0);
        t.setUserId(1L << 40);
        t.setGroupId(1L << 40);
        return t;
      }
    }
    t.setUserId(1000);
    t.setGroupId(1000);
    return t;
  }
}
