package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.image.ImageConfig;
import dev.jvs.image.Templates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A template holding the host's own Debian userland (PostgreSQL 15, gcc, make, perl, ...) for the
 * macro-benchmarks, so native, jvs and runc run the very same binaries. Its /usr is a farm of hard
 * links to the host's files, not a copy: a few seconds and no data blocks. That is safe for jvs,
 * whose guests only ever see the template through overlayfs (a write copies the file up into the
 * guest's layer first); runc gets it as a read-only root (see {@link PgFleet}). Guests have no bind
 * mounts of host paths, so this is how a guest gets the host's tools (a debootstrapped template
 * would need postgresql-15 and a compiler installed into it from the network). Only the parts of
 * /usr the workloads use are linked (the whole /usr holds browsers, JDKs and SDKs).
 */
final class HostUserland {
  static final String TEMPLATE = "hostusr";

  /** Parts of the host's /usr that PostgreSQL 15 and pgbench (with a POSIX shell) use. */
  static final List<String> FOR_POSTGRES =
      List.of(
          "bin",
          "sbin",
          "lib64",
          "lib/x86_64-linux-gnu",
          "lib/locale",
          "lib/postgresql",
          "lib/os-release",
          "share/postgresql",
          "share/postgresql-common",
          "share/zoneinfo");

  /**
   * Parts of the host's /usr that a kernel build uses: gcc, binutils, make, flex, bison, bc, perl,
   * and libelf's headers and library for objtool.
   */
  static final List<String> FOR_KERNEL_BUILD =
      List.of(
          "bin",
          "sbin",
          "lib64",
          "libexec",
          "include",
          "lib/x86_64-linux-gnu",
          "lib/gcc",
          "lib/bfd-plugins",
          "lib/locale",
          "lib/os-release",
          "share/perl",
          "share/perl5",
          "share/bison",
          "share/misc");

  private static final Duration COPY_TIMEOUT = Duration.ofMinutes(5);

  private HostUserland() {}

  /**
   * Builds the template in {@code host}'s store: the host's /usr parts {@code usr}, the usual
   * merged-/usr links, /etc with root and the host's postgres user, and {@code extra} host trees
   * (linked too) at their guest paths. Returns its rootfs.
   */
  static Path build(BenchHost host, List<String> usr, Map<Path, String> extra) {
    Templates templates = new Templates(host.dirs().templates());
    templates.create(
        TEMPLATE,
        "the host's /usr, hard-linked (jvs bench paper)",
        (staging, rootfs) -> {
          populate(host, rootfs, usr, extra);
          return ImageConfig.NONE;
        });
    return templates.rootfs(TEMPLATE);
  }

  private static void populate(
      BenchHost host, Path rootfs, List<String> usr, Map<Path, String> extra) throws IOException {
    for (String dir : List.of("usr/lib", "usr/share", "etc", "proc", "sys", "dev", "root")) {
      Files.createDirectories(rootfs.resolve(dir));
    }
    Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    for (String part : usr) {
      Path from = Path.of("/usr").resolve(part);
      if (Files.exists(from)) {
        link(host, from, rootfs.resolve("usr").resolve(part).getParent());
      }
    }
    // awk, yacc, cc ... are links through /etc/alternatives; the loader's cache saves path walks
    for (String etc : List.of("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d")) {
      if (Files.exists(Path.of("/etc", etc))) {
        link(host, Path.of("/etc", etc), rootfs.resolve("etc"));
      }
    }
    for (String l : List.of("bin", "sbin", "lib", "lib64")) {
      Files.createSymbolicLink(rootfs.resolve(l), Path.of("usr/" + l));
    }
    // postgres only where it exists: the kernel compile needs no PostgreSQL on the host
    String passwd = "root:x:0:0:root:/root:/bin/sh\n";
    String group = "root:x:0:\n";
    if (PgInstall.hasUser()) {
      passwd +=
          "postgres:x:%d:%d:PostgreSQL:/var/lib/postgresql:/bin/sh\n"
              .formatted(PgInstall.uid(), PgInstall.gid());
      group += "postgres:x:%d:\n".formatted(PgInstall.gid());
    }
    Files.writeString(rootfs.resolve("etc/passwd"), passwd);
    Files.writeString(rootfs.resolve("etc/group"), group);
    for (Map.Entry<Path, String> e : extra.entrySet()) {
      Path at = rootfs.resolve(e.getValue().replaceFirst("^/+", ""));
      Files.createDirectories(at.getParent());
      link(host, e.getKey(), at.getParent());
      Path linked = at.getParent().resolve(e.getKey().getFileName());
      if (!linked.equals(at)) {
        Files.move(linked, at);
      }
    }
  }

  /** `cp -a --link FROM INTO/`: hard links, directories made anew with the same modes. */
  private static void link(BenchHost host, Path from, Path into) throws IOException {
    Files.createDirectories(into);
    List<String> argv = new ArrayList<>(List.of("cp", "-a", "--link", from.toString()));
    argv.add(into + "/");
    try {
      host.commands().check(argv, COPY_TIMEOUT);
    } catch (JvsException e) {
      throw new IOException("linking " + from + ": " + e.getMessage(), e);
    }
  }
}
