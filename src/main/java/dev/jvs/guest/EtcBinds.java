package dev.jvs.guest;

import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.MountFlags;
import java.nio.file.Path;
import java.util.List;

/**
 * The files networking writes for a guest's /etc (bridge mode: hosts, resolv.conf) reach the
 * guest as bind mounts made by its launch program, so they land wherever the guest's root is,
 * including a private layer on the guest's own disk image (disk.space) that only its mount
 * namespace has. They are written on the host between the guest's creation and its go-ahead,
 * into a directory jvs owns ($JVS_RUN/guests/NAME/etc), never into the guest's tree.
 *
 * <p>The directory is staged inside the guest's /dev (jvs's own tmpfs) before pivot_root and the
 * binds are made after it; every path is resolved inside the guest's root (launch-program.md,
 * "Paths inside the root"), so a guest that made its /etc a symlink to a host path cannot make
 * a start create or cover anything there. The staging mount is removed again; an empty
 * /dev/.jvs-etc stays.
 */
final class EtcBinds {
  static final String STAGE = "dev/.jvs-etc";

  private EtcBinds() {}

  /** Before pivot_root: {@code dir} mounted at the staging point in the new root's /dev. */
  static void stage(LaunchProgram.Builder p, Path dir, List<String> files) {
    if (files.isEmpty() || dir == null) {
      return;
    }
    p.mkdir(STAGE, 0700);
    p.mount(dir.toString(), STAGE, "", MountFlags.BIND, "");
  }

  /**
   * After pivot_root: each file bound over /etc/NAME (created empty first if missing). A name the
   * guest made a dangling symlink stays the guest's own.
   */
  static void bind(LaunchProgram.Builder p, Path dir, List<String> files) {
    if (files.isEmpty() || dir == null) {
      return;
    }
    p.mkdir("etc", 0755);
    for (String f : files) {
      p.touch("etc/" + f, 0644);
      p.mountIfPresent(STAGE + "/" + f, "etc/" + f, "", MountFlags.BIND, "");
    }
    p.umount(STAGE, MountFlags.DETACH);
  }
}
