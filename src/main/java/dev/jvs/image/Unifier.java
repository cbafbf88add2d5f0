package dev.jvs.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * `jvs unify` (util-vserver's vhashify): regular files with identical content, owner, group and
 * mode across the read-only template store become one inode, linked from every place. Safe because
 * guests never write to a template: their writes copy the file up into their private layer first.
 * Files are candidates by (size, owner, group, mode), then compared by sha256; each replacement is
 * a hard link made beside the file and renamed over it, so a reader sees the old or the new inode,
 * both with the same bytes.
 */
public final class Unifier {
  /** What one run did. */
  public record Result(long filesLinked, long bytesSaved, long filesScanned) {}

  private record Key(long size, int uid, int gid, int mode) {}

  private record Candidate(Path path, Object inode, long links) {}

  private Unifier() {}

  /** Unifies the rootfs of every template under {@code templates}. */
  public static Result unify(Templates templates) {
    try (var lock = templates.lock()) {
      Map<Key, List<Candidate>> bySize = new HashMap<>();
      long scanned = 0;
      for (String name : templates.names()) {
        scanned += collect(templates.rootfs(name), bySize);
      }
      long linked = 0;
      long saved = 0;
      for (List<Candidate> group : bySize.values()) {
        if (group.size() < 2) {
          continue;
        }
        Map<String, Candidate> byHash = new HashMap<>();
        Map<Object, Long> remaining = new HashMap<>();
        group.forEach(c -> remaining.putIfAbsent(c.inode(), c.links()));
        for (Candidate c : group) {
          String hash = Layers.digest(c.path());
          Candidate keep = byHash.putIfAbsent(hash, c);
          if (keep == null || keep.inode().equals(c.inode())) {
            continue;
          }
          link(keep.path(), c.path());
          linked++;
          // The bytes come back when the last name of the replaced inode is gone.
          long left = remaining.merge(c.inode(), -1L, Long::sum);
          if (left == 0) {
            saved += Files.size(keep.path());
          }
        }
      }
      return new Result(linked, saved, scanned);
    } catch (IOException e) {
      throw new UncheckedIOException("unify: " + e.getMessage(), e);
    }
  }

  private static long collect(Path rootfs, Map<Key, List<Candidate>> out) throws IOException {
    long[] n = {0};
    Files.walkFileTree(
        rootfs,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isRegularFile() && attrs.size() > 0) {
              Map<String, Object> a =
                  Files.readAttributes(
                      file, "unix:uid,gid,mode,nlink,ino,dev", LinkOption.NOFOLLOW_LINKS);
              Key key =
                  new Key(
                      attrs.size(),
                      (Integer) a.get("uid"),
                      (Integer) a.get("gid"),
                      (Integer) a.get("mode"));
              out.computeIfAbsent(key, k -> new ArrayList<>())
                  .add(
                      new Candidate(
                          file,
                          a.get("dev") + ":" + a.get("ino"),
                          ((Integer) a.get("nlink")).longValue()));
              n[0]++;
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return n[0];
  }

  private static void link(Path keep, Path replace) throws IOException {
    Path tmp = replace.resolveSibling("." + replace.getFileName() + ".jvs-unify");
    Files.deleteIfExists(tmp);
    Files.createLink(tmp, keep);
    Files.move(tmp, replace, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
