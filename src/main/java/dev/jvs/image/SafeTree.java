package dev.jvs.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves archive entry names inside a root directory without ever following a symbolic link or
 * leaving the root: a name with a ".." component is refused, and so is a name whose parent passes
 * through a symlink (an absolute symlink "etc -> /etc" followed by "etc/passwd" would otherwise
 * write the host's file).
 */
final class SafeTree {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private final Path root;

  SafeTree(Path root) {
    this.root = root;
  }

  /** The entry name's components: leading "/" and "./" dropped, ".." refused. */
  static List<String> components(String name) {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.equals("..")) {
        throw new ImageException("entry '" + name + "' climbs out of the root with '..'");
      }
      if (!c.isEmpty() && !c.equals(".")) {
        out.add(c);
      }
      if (c.indexOf('\0') >= 0) {
        throw new ImageException("entry '" + name + "' contains a NUL byte");
      }
    }
    return out;
  }

  /**
   * The path for {@code components}, creating missing parent directories (mode 0755) and checking
   * that every existing parent is a real directory; null for the root itself.
   */
  Path resolve(String name, List<String> components) throws IOException {
    Path p = root;
    for (int i = 0; i < components.size() - 1; i++) {
      p = p.resolve(components.get(i));
      if (Files.isSymbolicLink(p)) {
        throw new ImageException(
            "entry '"
                + name
                + "' passes through the symbolic link '"
                + String.join("/", components.subList(0, i + 1))
                + "'");
      }
      if (!Files.exists(p, NOFOLLOW)) {
        Files.createDirectory(p);
      } else if (!Files.isDirectory(p, NOFOLLOW)) {
        throw new ImageException(
            "entry '"
                + name
                + "' has the non-directory '"
                + String.join("/", components.subList(0, i + 1))
                + "' as a parent");
      }
    }
    return components.isEmpty() ? null : p.resolve(components.getLast());
  }

  /** Like {@link #resolve} but creates nothing: null when a parent is missing. */
  Path existing(String name, List<String> components) {
    Path p = root;
    for (int i = 0; i < components.size() - 1; i++) {
      p = p.resolve(components.get(i));
      if (Files.isSymbolicLink(p)) {
        throw new ImageException(
            "entry '"
                + name
                + "' passes through the symbolic link '"
                + String.join("/", components.subList(0, i + 1))
                + "'");
      }
      if (!Files.isDirectory(p, NOFOLLOW)) {
        return null;
      }
    }
    return components.isEmpty() ? root : p.resolve(components.getLast());
  }
}
