package dev.jvs.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies tar layers (plain or gzip) onto a root directory the way OCI image layers stack: in
 * order, ".wh.NAME" deleting NAME from the layers below and ".wh..wh..opq" emptying its directory
 * of them. Never follows a symlink and never writes outside the root ({@link SafeTree}); device
 * nodes are skipped (a guest's /dev is its own tmpfs).
 */
final class Layers {
  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private Layers() {}

  /**
   * Applies one layer file; returns the sha256 of its uncompressed tar (an image's diff_id).
   * Deletions go first, in a pass of their own, so that an opaque marker listed after entries of
   * its own layer does not remove them.
   */
  static String apply(Path layer, Path root, String what) {
    SafeTree tree = new SafeTree(root);
    try {
      try (TarArchiveInputStream in = open(layer, null)) {
        for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          deleteFor(tree, e.getName());
        }
      }
      MessageDigest sha = sha256();
      try (TarArchiveInputStream in = open(layer, sha)) {
        for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          String base = baseName(e.getName());
          if (!base.startsWith(WHITEOUT)) {
            write(tree, root, e, in);
          }
        }
        in.transferTo(OutputStream.nullOutputStream()); // the end blocks count for the digest
      }
      return "sha256:" + HexFormat.of().formatHex(sha.digest());
    } catch (ImageException e) {
      throw new ImageException(oneLine(what + ": " + e.getMessage()), e);
    } catch (IOException | IllegalArgumentException e) {
      throw new ImageException(oneLine(what + ": " + describe(e)), e);
    } catch (UncheckedIOException e) { // from Trees: a name the filesystem refuses, say
      throw new ImageException(oneLine(what + ": " + describe(e.getCause())), e);
    }
  }

  /** Extracts a plain archive (no whiteouts) into {@code root}: the outer tar of an image. */
  static void extract(Path archive, Path root, String what) {
    SafeTree tree = new SafeTree(root);
    try (TarArchiveInputStream in = open(archive, null)) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        write(tree, root, e, in);
      }
    } catch (ImageException e) {
      throw new ImageException(oneLine(what + ": " + e.getMessage()), e);
    } catch (IOException | IllegalArgumentException e) {
      throw new ImageException(oneLine(what + ": " + describe(e)), e);
    } catch (UncheckedIOException e) { // from Trees: a name the filesystem refuses, say
      throw new ImageException(oneLine(what + ": " + describe(e.getCause())), e);
    }
  }

  /**
   * Entry names may hold any byte: control characters are shown escaped, so an error stays one line
   * (a newline in a name was found by fuzzing).
   */
  static String oneLine(String message) {
    StringBuilder b = new StringBuilder(message.length());
    message
        .codePoints()
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
              } else {
                b.appendCodePoint(c);
              }
            });
    return b.toString();
  }

  static String describe(Exception e) {
    String m = e.getMessage();
    if (e instanceof java.io.EOFException || (m != null && m.toLowerCase().contains("truncated"))) {
      return "truncated archive" + (m == null ? "" : " (" + m + ")");
    }
    if (e instanceof java.nio.file.FileSystemException || isSystemError(m)) {
      return ioMessage(e);
    }
    return "corrupt archive (" + (m == null ? e.getClass().getSimpleName() : m) + ")";
  }

  /** An I/O failure of the store itself (not of the archive), as one line. */
  static String ioMessage(Exception e) {
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason() + (f.getFile() == null ? "" : ": " + f.getFile());
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static boolean isSystemError(String m) {
    return m != null
        && (m.contains("No space left")
            || m.contains("quota exceeded")
            || m.contains("Read-only file system")
            || m.contains("Input/output error"));
  }

  private static TarArchiveInputStream open(Path file, MessageDigest digest) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    raw.mark(4);
    int b0 = raw.read();
    int b1 = raw.read();
    int b2 = raw.read();
    int b3 = raw.read();
    raw.reset();
    InputStream in = raw;
    if (b0 == 0x1f && b1 == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
    } else if (b0 == 0x28 && b1 == 0xb5 && b2 == 0x2f && b3 == 0xfd) {
      raw.close();
      throw new ImageException("zstd-compressed layers are not supported (re-export with gzip)");
    }
    if (digest != null) {
      in = new DigestInputStream(in, digest);
    }
    return new TarArchiveInputStream(in);
  }

  private static void deleteFor(SafeTree tree, String name) throws IOException {
    List<String> parts = SafeTree.components(name);
    if (parts.isEmpty()) {
      return;
    }
    String base = parts.getLast();
    if (base.equals(OPAQUE)) {
      Path dir = tree.existing(name, parts);
      dir = dir == null ? null : dir.getParent();
      if (dir != null && Files.isDirectory(dir, NOFOLLOW)) {
        try (var children = Files.list(dir)) {
          for (Path child : children.toList()) {
            Trees.deleteIfExists(child);
          }
        }
      }
    } else if (base.startsWith(WHITEOUT)) {
      String hidden = base.substring(WHITEOUT.length());
      // ".wh.." and ".wh..." would delete the directory itself or its parent (found by fuzzing).
      if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
        throw new ImageException("whiteout '" + name + "' names no file");
      }
      Path target = tree.existing(name, parts);
      if (target != null) {
        Trees.deleteIfExists(target.resolveSibling(hidden));
      }
    }
  }

  private static void write(SafeTree tree, Path root, TarArchiveEntry e, InputStream in)
      throws IOException {
    String name = e.getName();
    List<String> parts = SafeTree.components(name);
    Path p = tree.resolve(name, parts);
    if (p == null) {
      return; // the root directory itself keeps the mode jvs gave it
    }
    if (e.isDirectory()) {
      if (Files.exists(p, NOFOLLOW) && !Files.isDirectory(p, NOFOLLOW)) {
        Files.delete(p);
      }
      if (!Files.exists(p, NOFOLLOW)) {
        Files.createDirectory(p);
      }
    } else if (e.isSymbolicLink()) {
      Trees.deleteIfExists(p);
      // The link's text is stored, never resolved: it only means something inside the guest.
      Files.createSymbolicLink(p, Path.of(e.getLinkName()));
    } else if (e.isLink()) {
      List<String> targetParts = SafeTree.components(e.getLinkName());
      Path target = tree.existing(e.getLinkName(), targetParts);
      if (target == null
          || targetParts.isEmpty()
          || !Files.exists(target, NOFOLLOW)
          || Files.isDirectory(target, NOFOLLOW)) {
        throw new ImageException("hard link '" + name + "' to missing '" + e.getLinkName() + "'");
      }
      Trees.deleteIfExists(p);
      Files.createLink(p, target);
      return; // shares the target's inode and metadata
    } else if (e.isFile()) {
      Trees.deleteIfExists(p);
      try (OutputStream out =
          Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        in.transferTo(out);
      }
    } else {
      return; // character, block and fifo nodes are not part of a template
    }
    Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), NOFOLLOW);
    Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), NOFOLLOW);
    if (!e.isSymbolicLink()) {
      // After chown, which clears set-id bits.
      Files.setAttribute(p, "unix:mode", e.getMode() & 07777, NOFOLLOW);
      if (e.isFile()) {
        FileTime mtime = FileTime.from(e.getModTime().toInstant());
        Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW)
            .setTimes(mtime, null, null);
      }
    }
  }

  private static String baseName(String name) {
    String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    return n.substring(n.lastIndexOf('/') + 1);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "sha256:HEX" of a file. */
  static String digest(Path file) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }
}
