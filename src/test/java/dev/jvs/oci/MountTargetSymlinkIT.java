package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.jvs.image.Trees;
import dev.jvs.testing.Procfs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mount targets reached through a symlink that only an earlier mount brings into the rootfs
 * (CVE-2021-30465 class), judged by their effect on the host. Container A plants {@code a -> HOST
 * DIR} in a host volume it shares with container B; B's config mounts the volume at /vol, then a
 * tmpfs at /vol/a/sub/deeper and a host file at /vol/a/file, with its cwd at /vol/a/cwd. Nothing
 * may appear in HOST DIR, neither a directory, a file nor a mount: B either starts with all of them
 * inside its own root, or its create fails with one line. Also the image-side twins: a rootfs whose
 * /dev or /proc is a link to a host directory.
 */
@Tag("kernel")
class MountTargetSymlinkIT {
  /** What B runs: evidence, in its own rootfs, of where its mounts and cwd landed. */
  private static final String VICTIM =
      """
      stat -f -c %T /vol/a/sub/deeper > /out/deeper 2>&1
      cat /vol/a/file > /out/file 2>&1
      [ "$(stat -c %d:%i .)" = "$(stat -c %d:%i /vol/a/cwd)" ] && echo same > /out/cwd
      echo done > /out/done
      exec sleep 1000
      """;

  /** How A's link in the shared volume names the host directory. */
  enum Link {
    /** {@code /tmp/jvs-attack-N} */
    ABSOLUTE,
    /** {@code ../../…/tmp/jvs-attack-N}: climbs out of the rootfs when followed on the host */
    RELATIVE,
    /** {@code /tmp/jvs-attack-N/notyet}: a host path that does not exist yet */
    DANGLING,
    /**
     * {@code /tmp/jvs-attack-N}, a path B's rootfs has too: followed inside B's root it leads to
     * B's own directory, so B can start with every mount in place
     */
    IN_BOTH
  }

  private static String linkTarget(Link kind, Path trap) {
    return switch (kind) {
      case ABSOLUTE, IN_BOTH -> trap.toString();
      case RELATIVE -> "../".repeat(16) + trap.toString().substring(1);
      case DANGLING -> trap.resolve("notyet").toString();
    };
  }

  @ParameterizedTest
  @EnumSource(Link.class)
  void aLinkPlantedInASharedVolumeCannotSteerMountsOntoTheHost(Link kind) throws Exception {
    attack(kind, true);
  }

  @Test
  void aLinkPlantedInASharedVolumeCannotSteerMountsOntoTheHostWithoutAMountNamespace()
      throws Exception {
    // No mount namespace: B's mounts are made in the host's, so one that follows the link is
    // a mount on the host itself, which `delete` (it removes what lies below the rootfs) misses.
    attack(Link.ABSOLUTE, false);
  }

  private static void attack(Link kind, boolean ownMountNamespace) throws Exception {
    Path trap = trap();
    try (OciTestHost host = new OciTestHost()) {
      Path vol = Files.createDirectories(host.base.resolve("vol"));
      Path source = host.base.resolve("file-source");
      Files.writeString(source, "bound\n");
      String link = linkTarget(kind, trap);

      // A: plants the link through its bind of the volume, and ends.
      OciTestHost.Bundle a =
          host.bundle(
              "a", "sh", "-c", "ln -s '" + link + "' /vol/a && echo planted > /out/planted");
      bindVolume(a, vol);
      a.save();
      host.ok("create", "--bundle", a.dir().toString(), "a");
      host.ok("start", "a");
      assertThat(OciTestHost.await(a, "/out/planted")).isEqualTo("planted\n");
      awaitStopped(host, "a");
      host.ok("delete", "a");
      assertThat(Files.readSymbolicLink(vol.resolve("a")).toString()).isEqualTo(link);

      // B: the volume first, then mounts and a cwd below the link.
      OciTestHost.Bundle b = host.bundle("b", "sh", "-c", VICTIM);
      bindVolume(b, vol);
      ArrayNode mounts = (ArrayNode) b.config().get("mounts");
      mounts
          .addObject()
          .put("destination", "/vol/a/sub/deeper")
          .put("type", "tmpfs")
          .put("source", "tmpfs")
          .putArray("options")
          .add("nosuid")
          .add("size=1m");
      mounts
          .addObject()
          .put("destination", "/vol/a/file")
          .put("type", "bind")
          .put("source", source.toString())
          .putArray("options")
          .add("bind")
          .add("ro");
      b.process().put("cwd", "/vol/a/cwd");
      if (kind == Link.IN_BOTH) {
        Files.createDirectories(b.rootfs().resolve(trap.toString().substring(1)));
      }
      if (!ownMountNamespace) {
        removeNamespace(b, "mount");
      }
      b.save();
      OciTestHost.Result created = host.oci("create", "--bundle", b.dir().toString(), "b");
      List<String> found = hostEvidence(trap);
      if (created.code() == 0) {
        // before its pivot, B's namespace still shows where its mounts went
        for (String m : mountsUnder(Path.of("/proc/" + pid(host, "b") + "/mountinfo"), trap)) {
          found.add("mount " + m + " in B's mount namespace");
        }
      }
      assertThat(found)
          .as(
              "what B's create (exit %d: %s) put at the host's %s",
              created.code(), created.err().strip(), trap)
          .isEmpty();
      if (created.code() != 0) {
        assertOneLineError(created);
        assertThat(host.stateLeft()).as("state left by a failed create").isEmpty();
        assertThat(host.leftovers()).as("host objects left by a failed create").isEmpty();
        return;
      }
      host.ok("start", "b");
      OciTestHost.await(b, "/out/done");
      assertThat(b.file("/out/deeper"))
          .as("the tmpfs, as B sees /vol/a/sub/deeper")
          .isEqualTo("tmpfs\n");
      assertThat(b.file("/out/file"))
          .as("the bound file, as B sees /vol/a/file")
          .isEqualTo("bound\n");
      assertThat(b.exists("/out/cwd")).as("B's cwd is its /vol/a/cwd").isTrue();
      assertHostUntouched(trap, "while B runs");
      Path mountinfo = Path.of("/proc/" + pid(host, "b") + "/mountinfo");
      assertThat(Procfs.unprotected(Files.readAllLines(mountinfo))).as("B's procfs").isEmpty();
      host.ok("kill", "b", "KILL");
      awaitStopped(host, "b");
      host.ok("delete", "b");
      assertHostUntouched(trap, "after B's delete");
      assertThat(host.leftovers()).isEmpty();
      assertThat(host.stateLeft()).isEmpty();
    } finally {
      cleanUp(trap);
    }
  }

  /**
   * The image's /dev and /proc are absolute links to host directories; with {@code alsoInImage} the
   * image has those paths too, so that followed inside the root they lead somewhere.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void anImageWhoseDevAndProcLinkToHostDirectoriesCreatesAndWritesNothingThere(boolean alsoInImage)
      throws Exception {
    Path devTrap = trap();
    Path procTrap = trap();
    try (OciTestHost host = new OciTestHost()) {
      // A host file where a sysctl written through the image's /proc link would land.
      Path decoy = Files.createDirectories(procTrap.resolve("sys/net/ipv4")).resolve("ip_forward");
      Files.writeString(decoy, "untouched\n");
      List<String> procTrapBefore = hostEvidence(procTrap);
      OciTestHost.Bundle b =
          host.bundle(
              "img",
              "sh",
              "-c",
              """
          { [ -c /dev/null ] && echo x > /dev/null && echo ok || echo missing; } > /out/null
          cat /proc/sys/net/ipv4/ip_forward > /out/forward
          exec sleep 1000
          """);
      Files.delete(b.rootfs().resolve("dev"));
      Files.createSymbolicLink(b.rootfs().resolve("dev"), devTrap);
      Files.delete(b.rootfs().resolve("proc"));
      Files.createSymbolicLink(b.rootfs().resolve("proc"), procTrap);
      if (alsoInImage) {
        Files.createDirectories(b.rootfs().resolve(devTrap.toString().substring(1)));
        Files.createDirectories(b.rootfs().resolve(procTrap.toString().substring(1)));
      }
      b.linux().putObject("sysctl").put("net.ipv4.ip_forward", "1");
      b.save();
      OciTestHost.Result created = host.oci("create", "--bundle", b.dir().toString(), "img");
      List<String> found = hostEvidence(devTrap);
      List<String> procFound = hostEvidence(procTrap);
      procFound.removeAll(procTrapBefore);
      found.addAll(procFound);
      if (!Files.readString(decoy).equals("untouched\n")) {
        found.add(decoy + " now holds " + Files.readString(decoy).strip());
      }
      assertThat(found)
          .as(
              "what create (exit %d: %s) did at the host's %s and %s",
              created.code(), created.err().strip(), devTrap, procTrap)
          .isEmpty();
      if (created.code() != 0) {
        assertOneLineError(created);
        assertThat(host.stateLeft()).isEmpty();
        assertThat(host.leftovers()).isEmpty();
        return;
      }
      host.ok("start", "img");
      OciTestHost.await(b, "/out/forward");
      assertThat(b.file("/out/null")).as("the container's own /dev/null").isEqualTo("ok\n");
      assertThat(b.file("/out/forward")).as("its sysctl, in its own /proc").isEqualTo("1\n");
      host.ok("delete", "--force", "img");
      assertHostUntouched(devTrap, "after delete");
      assertThat(hostEvidence(procTrap))
          .as("what is at the host's %s after delete", procTrap)
          .isEqualTo(procTrapBefore);
      assertThat(Files.readString(decoy)).isEqualTo("untouched\n");
      assertThat(host.leftovers()).isEmpty();
    } finally {
      cleanUp(devTrap);
      cleanUp(procTrap);
    }
  }

  /**
   * A guard for the resolution inside the root: the image's /proc is {@code sys/x} and {@code
   * /sys/x -> ../p}, so procfs lands on /p and the later sysfs mount on /sys hides the link;
   * maskedPaths and readonlyPaths must still cover that procfs (without a user namespace, a
   * writable /proc/sys gives the container's root the host's kernel.core_pattern), or create must
   * fail.
   */
  @Test
  void maskedAndReadonlyPathsCoverTheProcfsTheContainerGets() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("masks", "sh", "-c", "echo up > /out/up; exec sleep 1000");
      Path rootfs = b.rootfs();
      Files.delete(rootfs.resolve("proc"));
      Files.createSymbolicLink(rootfs.resolve("proc"), Path.of("sys/x"));
      Files.createSymbolicLink(rootfs.resolve("sys/x"), Path.of("../p"));
      Files.createDirectories(rootfs.resolve("p"));
      b.save();
      OciTestHost.Result created = host.oci("create", "--bundle", b.dir().toString(), "masks");
      if (created.code() != 0) {
        assertOneLineError(created);
        assertThat(host.stateLeft()).isEmpty();
        return;
      }
      host.ok("start", "masks");
      OciTestHost.await(b, "/out/up");
      Path mountinfo = Path.of("/proc/" + pid(host, "masks") + "/mountinfo");
      assertThat(Procfs.unprotected(Files.readAllLines(mountinfo)))
          .as(
              "procfs mounts the container sees without their masks:\n"
                  + Files.readString(mountinfo))
          .isEmpty();
      host.ok("delete", "--force", "masks");
    }
  }

  private static void bindVolume(OciTestHost.Bundle b, Path vol) {
    ((ArrayNode) b.config().get("mounts"))
        .addObject()
        .put("destination", "/vol")
        .put("type", "bind")
        .put("source", vol.toString())
        .putArray("options")
        .add("rbind")
        .add("rw");
  }

  private static void removeNamespace(OciTestHost.Bundle b, String type) {
    ArrayNode ns = (ArrayNode) b.linux().get("namespaces");
    for (int i = ns.size() - 1; i >= 0; i--) {
      if (ns.get(i).get("type").asText().equals(type)) {
        ns.remove(i);
      }
    }
  }

  private static long pid(OciTestHost host, String id) throws IOException {
    return OciTestHost.JSON.readTree(host.ok("state", id).out()).get("pid").asLong();
  }

  private static void awaitStopped(OciTestHost host, String id) throws InterruptedException {
    for (int i = 0; i < 500 && !host.status(id).equals("stopped"); i++) {
      Thread.sleep(20);
    }
    assertThat(host.status(id)).isEqualTo("stopped");
  }

  private static void assertOneLineError(OciTestHost.Result r) {
    assertThat(r.code()).isNotZero();
    assertThat(r.err().strip()).as("create's stderr").contains("level=error").doesNotContain("\n");
  }

  /** Nothing in {@code trap} (recursively) and no mount at or below it on the host. */
  static void assertHostUntouched(Path trap, String when) {
    assertThat(hostEvidence(trap)).as("what appeared at the host's %s %s", trap, when).isEmpty();
  }

  /** What is in {@code trap} (recursively) and what is mounted at or below it on the host. */
  static List<String> hostEvidence(Path trap) {
    List<String> found = new ArrayList<>();
    for (String p : contents(trap)) {
      found.add(
          (Files.isSymbolicLink(trap.resolve(p))
                  ? "symlink "
                  : Files.isDirectory(trap.resolve(p))
                      ? "directory "
                      : Files.isRegularFile(trap.resolve(p)) ? "file " : "node ")
              + p);
    }
    for (String m : mountsUnder(Path.of("/proc/self/mountinfo"), trap)) {
      found.add("mount " + m + " on the host");
    }
    return found;
  }

  /** A fresh, empty host directory with a unique name. */
  static Path trap() throws IOException {
    Path trap = Files.createTempDirectory(Path.of("/tmp"), "jvs-attack-");
    Files.setPosixFilePermissions(trap, PosixFilePermissions.fromString("rwxr-xr-x"));
    return trap;
  }

  /** Every path below {@code dir}, relative to it, symlinks not followed. */
  static List<String> contents(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Mount points at or below {@code dir} in a mountinfo file. */
  static List<String> mountsUnder(Path mountinfo, Path dir) {
    try {
      List<String> found = new ArrayList<>();
      for (String line : Files.readAllLines(mountinfo)) {
        String point = line.split(" ")[4];
        if (point.equals(dir.toString()) || point.startsWith(dir + "/")) {
          found.add(point);
        }
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Unmounts whatever a failed run left at or below {@code trap} on the host, then removes it. */
  static void cleanUp(Path trap) throws Exception {
    List<String> points = new ArrayList<>(mountsUnder(Path.of("/proc/self/mountinfo"), trap));
    for (int i = points.size() - 1; i >= 0; i--) {
      new ProcessBuilder("umount", "-l", points.get(i)).inheritIO().start().waitFor();
    }
    Trees.deleteIfExists(trap);
  }
}
