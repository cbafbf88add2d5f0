package dev.jvs.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Writes test tarballs (image layers and archives), including malicious entries. */
final class TarBuilder implements AutoCloseable {
  private final TarArchiveOutputStream out;

  TarBuilder(Path file) throws IOException {
    this(Files.newOutputStream(file));
  }

  TarBuilder(OutputStream stream) {
    out = new TarArchiveOutputStream(stream);
    out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  /** Every entry below {@code dir}, named relative to it, with owners and modes. */
  TarBuilder tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted().toList()) {
        String name = dir.relativize(p).toString();
        if (name.isEmpty()) {
          continue;
        }
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        if (Files.isSymbolicLink(p)) {
          symlink(name, Files.readSymbolicLink(p).toString());
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          dir(name, mode);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          file(name, Files.readAllBytes(p), mode);
        }
      }
    }
    return this;
  }

  TarBuilder dir(String name, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040000 | mode);
    return put(e, null);
  }

  TarBuilder file(String name, String content) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
  }

  TarBuilder file(String name, byte[] content, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setMode(0100000 | mode);
    e.setSize(content.length);
    return put(e, content);
  }

  TarBuilder symlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    e.setMode(0120777);
    return put(e, null);
  }

  TarBuilder hardlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return put(e, null);
  }

  private TarBuilder put(TarArchiveEntry e, byte[] content) throws IOException {
    out.putArchiveEntry(e);
    if (content != null) {
      out.write(content);
    }
    out.closeArchiveEntry();
    return this;
  }

  static void archive(Path dir, Path file) throws IOException {
    try (TarBuilder t = new TarBuilder(file)) {
      t.tree(dir);
    }
  }

  static List<String> names(Path file) throws IOException {
    try (var in =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
            Files.newInputStream(file))) {
      java.util.ArrayList<String> out = new java.util.ArrayList<>();
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.add(e.getName());
      }
      return out;
    }
  }

  @Override
  public void close() throws IOException {
    out.finish();
    out.close();
  }
}
