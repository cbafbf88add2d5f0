package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel compile every system runs: one POSIX shell script (the host's dash everywhere), which
 * configures the tree with tinyconfig and builds it into an empty output directory (O=), and prints
 * its own wall time and its children's user and sys CPU time. Timing inside the script leaves the
 * container's start and teardown out: the figure is the build's.
 */
final class KernelBuild {
  /** Where the script lives inside the template. */
  static final String GUEST_SCRIPT = "/jvs-kbuild.sh";

  /** The tree's path inside the template. */
  static final String GUEST_TREE = "/usr/src/" + KernelSource.PACKAGE;

  /**
   * Arguments: SRC OUT JOBS. OUT must be empty or absent (a bind mount in runc, so not removed).
   * TMPDIR points into OUT so gcc's temporaries land on the same file system for every system.
   * ARCH=x86_64 keeps tinyconfig 64-bit (with the default ARCH=x86, allnoconfig would pick i386).
   */
  static final String SCRIPT =
      """
      #!/bin/sh
      # jvs bench paper, experiment compile: a tinyconfig build of SRC into OUT with JOBS jobs
      set -e
      src=$1 out=$2 jobs=$3
      # the same environment in every system, whatever the caller's
      unset MAKEFLAGS MFLAGS GNUMAKEFLAGS MAKELEVEL KBUILD_OUTPUT CROSS_COMPILE CC KCFLAGS LANG
      export PATH=/usr/bin:/bin LC_ALL=C HOME=/root TMPDIR="$out/tmp"
      export KBUILD_BUILD_USER=jvs KBUILD_BUILD_HOST=jvs KBUILD_BUILD_TIMESTAMP=2007-03-21
      mkdir -p "$out/tmp"
      start=$(date +%s%N)
      if ! make -s -C "$src" O="$out" ARCH=x86_64 tinyconfig >"$out/build.log" 2>&1 ||
         ! make -s -C "$src" O="$out" ARCH=x86_64 -j"$jobs" >>"$out/build.log" 2>&1; then
        tail -n 5 "$out/build.log" >&2
        exit 1
      fi
      end=$(date +%s%N)
      if ! test -s "$out/arch/x86/boot/bzImage"; then
        echo "jvs-kbuild: make succeeded but left no arch/x86/boot/bzImage" >&2
        exit 1
      fi
      # not in a pipe or $(...): a subshell would report its own children, none
      times >"$out/times"
      echo "jvs-kbuild wall_ns=$((end - start)) children=$(tail -n 1 "$out/times")"
      """;

  private static final Pattern LINE =
      Pattern.compile("jvs-kbuild wall_ns=(\\d+) children=(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s");

  private KernelBuild() {}

  /** A build's wall time and its processes' CPU time, in seconds. */
  record Result(double wall, double user, double sys) {
    double cpu() {
      return user + sys;
    }
  }

  /** Reads the script's last line out of {@code output}; throws naming {@code system}. */
  static Result parse(String system, String output) {
    Matcher m = LINE.matcher(output);
    if (!m.find()) {
      throw new JvsException(
          system + ": kernel build printed no timing line: " + output.strip().lines().toList());
    }
    return new Result(
        Long.parseLong(m.group(1)) / 1e9,
        minutes(m.group(2), m.group(3)),
        minutes(m.group(4), m.group(5)));
  }

  private static double minutes(String min, String sec) {
    return Integer.parseInt(min) * 60 + Double.parseDouble(sec);
  }
}
