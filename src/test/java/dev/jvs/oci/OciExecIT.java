package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvs.kernel.Capability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** `exec` inherits the container's process settings; only what its flags name changes. */
@Tag("kernel")
class OciExecIT {
  /** A host-global sysctl no container may change: harmless, and restored below. */
  private static final Path SYSCTL = Path.of("/proc/sys/fs/lease-break-time");

  /** runc spec's (and jvs-oci spec's) bounding = effective = permitted set. */
  private static final String DEFAULT_CAPS =
      hex(Capability.AUDIT_WRITE, Capability.KILL, Capability.NET_BIND_SERVICE);

  @Test
  void execWithoutProcessJsonCannotEscapeTheContainersRestrictions() throws Exception {
    String saved = sysctl();
    String evil = saved.equals("4242") ? "4243" : "4242";
    try (OciTestHost host = new OciTestHost()) {
      // The container replaces /bin/true with a script that tries to change a host sysctl, and
      // waits for the runtime to exec it, as a health check would.
      String attack =
          """
          #!/bin/sh
          grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status > /out/status
          ulimit -n > /out/nofile
          mount -o remount,rw /proc/sys 2>/dev/null; echo $? > /out/remount
          echo EVIL > /proc/sys/fs/lease-break-time 2>/dev/null
          mkdir -p /tmp/p && mount -t proc proc /tmp/p 2>/dev/null \\
            && echo EVIL > /tmp/p/sys/fs/lease-break-time 2>/dev/null
          busybox umount /tmp/p 2>/dev/null
          exit 0
          """
              .replace("EVIL", evil);
      OciTestHost.Bundle b =
          host.bundle(
              "x1",
              "sh",
              "-c",
              "busybox rm /bin/true && cat > /bin/true <<'EOF'\n"
                  + attack
                  + "EOF\n"
                  + "busybox chmod 755 /bin/true && echo ready > /out/ready; exec sleep 1000");
      ObjectNode p = b.process();
      p.putArray("rlimits")
          .addObject()
          .put("type", "RLIMIT_NOFILE")
          .put("hard", 777)
          .put("soft", 777);
      ObjectNode seccomp = b.linux().putObject("seccomp");
      seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
      seccomp
          .putArray("syscalls")
          .addObject()
          .put("action", "SCMP_ACT_ERRNO")
          .putArray("names")
          .add("kexec_load");
      b.save();
      host.ok("create", "--bundle", b.dir().toString(), "x1");
      host.ok("start", "x1");
      OciTestHost.await(b, "/out/ready");

      host.ok("exec", "x1", "/bin/true");

      assertThat(sysctl()).as("host's fs.lease-break-time").isEqualTo(saved);
      assertThat(b.file("/out/status"))
          .contains(
              "CapBnd:\t" + DEFAULT_CAPS,
              "CapEff:\t" + DEFAULT_CAPS,
              "NoNewPrivs:\t1",
              "Seccomp:\t2"); // 2: filter mode
      assertThat(b.file("/out/remount").trim()).isNotEqualTo("0");
      assertThat(b.file("/out/nofile").trim()).isEqualTo("777");
      host.ok("delete", "--force", "x1");
    } finally {
      if (!sysctl().equals(saved)) {
        Files.writeString(SYSCTL, saved);
      }
    }
  }

  @Test
  void flagsOverrideOnlyWhatTheyName() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("x2", "sleep", "1000");
      ObjectNode p = b.process();
      p.put("cwd", "/tmp");
      p.put("noNewPrivileges", false);
      ((ArrayNode) p.get("env")).add("FOO=container");
      p.putObject("user")
          .put("uid", 1000)
          .put("gid", 1000)
          .put("umask", 027)
          .putArray("additionalGids")
          .add(10);
      b.save();
      host.ok("create", "--bundle", b.dir().toString(), "x2");
      host.ok("start", "x2");
      String probe =
          "id -u; id -g; id -G; umask; pwd; echo \"$FOO $BAR\";"
              + " grep -E '^(CapBnd|NoNewPrivs):' /proc/self/status";

      assertThat(host.ok("exec", "-e", "BAR=flag", "x2", "sh", "-c", probe).out())
          .isEqualTo(
              """
          1000
          1000
          1000 10
          0027
          /tmp
          container flag
          CapBnd:\t%s
          NoNewPrivs:\t0
          """
                  .formatted(DEFAULT_CAPS));

      String withSysAdmin =
          hex(
              Capability.AUDIT_WRITE,
              Capability.KILL,
              Capability.NET_BIND_SERVICE,
              Capability.SYS_ADMIN);
      assertThat(
              host.ok(
                      "exec",
                      "--user",
                      "1001",
                      "-g",
                      "20",
                      "--cwd",
                      "/",
                      "--cap",
                      "CAP_SYS_ADMIN",
                      "--no-new-privs",
                      "x2",
                      "sh",
                      "-c",
                      probe)
                  .out())
          .isEqualTo(
              """
          1001
          1000
          1000 10 20
          0027
          /
          container\s
          CapBnd:\t%s
          NoNewPrivs:\t1
          """
                  .formatted(withSysAdmin));

      // process.json is taken as is, but without capabilities it gets the container's (runc)
      Path process = host.base.resolve("process.json");
      Files.writeString(
          process,
          """
          {"args": ["grep", "CapBnd", "/proc/self/status"], "cwd": "/", "env": ["PATH=/bin"],
           "user": {"uid": 0, "gid": 0}}
          """);
      assertThat(host.ok("exec", "--process", process.toString(), "x2").out())
          .isEqualTo("CapBnd:\t" + DEFAULT_CAPS + "\n");
      host.ok("delete", "--force", "x2");
    }
  }

  /** Read in one call: an integer sysctl read piecewise (Files.readString) yields one byte. */
  private static String sysctl() throws IOException {
    return Files.readAllLines(SYSCTL).getFirst().trim();
  }

  private static String hex(Capability... caps) {
    return "%016x".formatted(Capability.mask(List.of(caps)));
  }
}
