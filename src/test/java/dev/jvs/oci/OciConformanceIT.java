package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the OCI runtime-tools validation suite checks and jvs once failed, proven against the real
 * kernel without the suite (docs/oci.md, "Conformance").
 */
@Tag("kernel")
class OciConformanceIT {
  private static String cg(String controller, String cgroup, String file) throws Exception {
    return Files.readString(Path.of("/sys/fs/cgroup", controller, cgroup, file)).trim();
  }

  private static long pid(OciTestHost host, String id) throws Exception {
    return OciTestHost.JSON.readTree(host.ok("state", id).out()).get("pid").asLong();
  }

  private static void removeNamespace(OciTestHost.Bundle b, String type) {
    ArrayNode ns = (ArrayNode) b.linux().get("namespaces");
    for (int i = ns.size() - 1; i >= 0; i--) {
      if (ns.get(i).get("type").asText().equals(type)) {
        ns.remove(i);
      }
    }
  }

  @Test
  void aTopLevelCgroupGetsTheExactCpuAndMemoryValues() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("r1", "sleep", "1000");
      String top = host.cgroupParent; // "/NAME": directly below each hierarchy's root
      b.linux().put("cgroupsPath", "/" + top);
      ObjectNode res = b.linux().putObject("resources");
      res.putObject("cpu")
          .put("shares", 2048)
          .put("quota", 200000)
          .put("period", 500000)
          .put("cpus", "0")
          .put("mems", "0");
      res.putObject("memory")
          .put("limit", 50593792)
          .put("reservation", 50593792)
          .put("swap", 50593792)
          .put("kernel", 50593792)
          .put("kernelTCP", 50593792)
          .put("swappiness", 10)
          .put("disableOOMKiller", true);
      res.putObject("pids").put("limit", 1000);
      ArrayNode devices = res.putArray("devices");
      devices.addObject().put("allow", false).put("access", "rwm");
      devices
          .addObject()
          .put("allow", true)
          .put("type", "c")
          .put("major", 10)
          .put("minor", 229)
          .put("access", "rwm");
      b.save();
      host.ok("create", "--bundle", b.dir().toString(), "r1");
      assertThat(cg("cpu", top, "cpu.shares")).isEqualTo("2048");
      assertThat(cg("cpu", top, "cpu.cfs_period_us")).isEqualTo("500000");
      assertThat(cg("cpu", top, "cpu.cfs_quota_us")).isEqualTo("200000");
      assertThat(cg("cpuset", top, "cpuset.cpus")).isEqualTo("0");
      assertThat(cg("cpuset", top, "cpuset.mems")).isEqualTo("0");
      assertThat(cg("memory", top, "memory.limit_in_bytes")).isEqualTo("50593792");
      assertThat(cg("memory", top, "memory.soft_limit_in_bytes")).isEqualTo("50593792");
      assertThat(cg("memory", top, "memory.swappiness")).isEqualTo("10");
      assertThat(cg("memory", top, "memory.oom_control")).contains("oom_kill_disable 1");
      assertThat(cg("memory", top, "memory.kmem.tcp.limit_in_bytes")).isEqualTo("50593792");
      assertThat(cg("pids", top, "pids.max")).isEqualTo("1000");
      // the config's device rules come first, in order, as the kernel lists them
      assertThat(cg("devices", top, "devices.list")).startsWith("c 10:229 rwm\n");
      assertThat(Files.readString(Path.of("/proc/" + pid(host, "r1") + "/cgroup")))
          .contains(":pids:/" + top + "\n");
      host.ok("delete", "--force", "r1");
      assertThat(Path.of("/sys/fs/cgroup/pids", top)).doesNotExist();
    }
  }

  @Test
  void hugepageLimitsReachTheHugetlbControllerWhereTheHostHasIt() throws Exception {
    Path unified = Path.of("/sys/fs/cgroup/unified");
    Assumptions.assumeTrue(
        Files.exists(unified.resolve("cgroup.controllers"))
            && Files.readString(unified.resolve("cgroup.controllers")).contains("hugetlb")
            && Files.isDirectory(Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB")),
        "this test needs the hybrid layout of the development host (hugetlb in cgroup2)");
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("g1", "sleep", "1000");
      b.linux()
          .putObject("resources")
          .putArray("hugepageLimits")
          .addObject()
          .put("pageSize", "2MB")
          .put("limit", 2L << 30);
      b.save();
      host.ok("create", "--bundle", b.dir().toString(), "g1");
      assertThat(
              Files.readString(unified.resolve(host.cgroupParent + "/g1/hugetlb.2MB.max")).trim())
          .isEqualTo(Long.toString(2L << 30));
      host.ok("delete", "--force", "g1");

      OciTestHost.Bundle bad = host.bundle("g2", "sleep", "1000");
      bad.linux()
          .putObject("resources")
          .putArray("hugepageLimits")
          .addObject()
          .put("pageSize", "3MB")
          .put("limit", 1);
      bad.save();
      OciTestHost.Result r = host.oci("create", "--bundle", bad.dir().toString(), "g2");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("this host has no 3MB huge pages");
    }
  }

  @Test
  void createContainerAndStartContainerHooksRunInTheContainer() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("k1", "sleep", "1000");
      Path out = b.rootfs().resolve("out");
      ObjectNode hooks = b.config().putObject("hooks");
      ObjectNode cc = hooks.putArray("createContainer").addObject();
      cc.put("path", b.rootfs().resolve("bin/sh").toString()); // resolved in the runtime's view
      cc.putArray("args")
          .add("sh")
          .add("-c")
          .add(
              "cat > "
                  + out
                  + "/cc-state; readlink"
                  + " /proc/self/ns/mnt > "
                  + out
                  + "/cc-mnt; hostname > "
                  + out
                  + "/cc-host");
      cc.putArray("env").add("HOOK=cc");
      ObjectNode sc = hooks.putArray("startContainer").addObject();
      sc.put("path", "/bin/sh"); // resolved in the container
      sc.putArray("args").add("sh").add("-c").add("cat > /out/sc-state; echo $HOOK > /out/sc-env");
      sc.putArray("env").add("HOOK=sc");
      ObjectNode pre = hooks.putArray("prestart").addObject();
      pre.put("path", "/bin/sh");
      pre.putArray("args").add("sh").add("-c").add("cat > " + out + "/pre-state");
      b.config().put("hostname", "hooked");
      b.save();
      host.ok("create", "--bundle", b.dir().toString(), "k1");
      long pid = pid(host, "k1");
      assertThat(Files.readString(out.resolve("cc-state")))
          .contains("\"id\":\"k1\"")
          .contains("\"status\":\"created\"")
          .contains("\"pid\":" + pid);
      assertThat(Files.readString(out.resolve("pre-state"))).contains("\"status\":\"created\"");
      assertThat(Files.readString(out.resolve("cc-mnt")).trim())
          .isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")).toString());
      assertThat(Files.readString(out.resolve("cc-host")).trim()).isEqualTo("hooked");
      assertThat(Files.exists(out.resolve("sc-state")))
          .as("startContainer ran at create")
          .isFalse();
      host.ok("start", "k1");
      assertThat(OciTestHost.await(b, "/out/sc-env").trim()).isEqualTo("sc");
      assertThat(OciTestHost.await(b, "/out/sc-state")).contains("\"id\":\"k1\"");
      host.ok("delete", "--force", "k1");

      OciTestHost.Bundle f = host.bundle("k2", "sleep", "1000");
      f.config()
          .putObject("hooks")
          .putArray("createContainer")
          .addObject()
          .put("path", "/bin/false");
      f.save();
      OciTestHost.Result r = host.oci("create", "--bundle", f.dir().toString(), "k2");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .contains("createContainer hook #0 (/bin/false)")
          .contains("exited with a non-zero status");
      assertThat(host.stateLeft()).isEmpty();
    }
  }

  @Test
  void sharedAndUnbindableRootPropagationHold() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      for (String mode : new String[] {"shared", "unbindable"}) {
        OciTestHost.Bundle b =
            host.bundle(
                "p-" + mode,
                "sh",
                "-c",
                "grep -E '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / ' /proc/self/mountinfo > /out/root;"
                    + " mkdir -p /tmp/t;"
                    + " mount --bind / /tmp/t; echo $? > /out/bind; exec sleep 1000");
        b.linux().put("rootfsPropagation", mode);
        ObjectNode caps = b.process().putObject("capabilities");
        for (String set : new String[] {"bounding", "effective", "permitted"}) {
          caps.putArray(set).add("CAP_SYS_ADMIN");
        }
        b.linux().remove("seccomp");
        b.save();
        host.ok("create", "--bundle", b.dir().toString(), "p-" + mode);
        host.ok("start", "p-" + mode);
        String bind = OciTestHost.await(b, "/out/bind").trim();
        if (mode.equals("shared")) {
          assertThat(OciTestHost.await(b, "/out/root")).contains("shared:");
          assertThat(bind).isEqualTo("0");
        } else {
          assertThat(OciTestHost.await(b, "/out/root")).contains("unbindable");
          assertThat(bind).isNotEqualTo("0");
        }
        host.ok("delete", "--force", "p-" + mode);
      }
    }
  }

  @Test
  void aMountNamespaceIsJoinedByPathOrInherited() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      Process holder =
          new ProcessBuilder("unshare", "--mount", "--fork", "--kill-child", "sleep", "1000")
              .start();
      try {
        Path nsLink = Path.of("/proc/" + holder.pid() + "/ns/mnt");
        String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        for (int i = 0; i < 300 && Files.readSymbolicLink(nsLink).toString().equals(hostNs); i++) {
          Thread.sleep(10);
        }
        String joined = Files.readSymbolicLink(nsLink).toString();
        assertThat(joined).isNotEqualTo(hostNs);
        OciTestHost.Bundle j = host.bundle("m1", "sleep", "1000");
        ArrayNode ns = (ArrayNode) j.linux().get("namespaces");
        for (int i = 0; i < ns.size(); i++) {
          if (ns.get(i).get("type").asText().equals("mount")) {
            ((ObjectNode) ns.get(i)).put("path", nsLink.toString());
          }
        }
        j.save();
        host.ok("create", "--bundle", j.dir().toString(), "m1");
        assertThat(
                Files.readSymbolicLink(Path.of("/proc/" + pid(host, "m1") + "/ns/mnt")).toString())
            .isEqualTo(joined);
        host.ok("delete", "--force", "m1");
      } finally {
        // unshare's forked sleep outlives unshare: kill it first
        holder.descendants().forEach(ProcessHandle::destroyForcibly);
        holder.destroyForcibly();
        holder.waitFor(10, TimeUnit.SECONDS);
      }

      OciTestHost.Bundle h = host.bundle("m2", "sh", "-c", "cat /proc/1/comm > /out/x; sleep 1000");
      removeNamespace(h, "mount");
      h.save();
      host.ok("create", "--bundle", h.dir().toString(), "m2");
      long pid = pid(host, "m2");
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")).toString())
          .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString());
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(h.rootfs() + "/proc ");
      host.ok("start", "m2");
      OciTestHost.await(h, "/out/x");
      host.ok("delete", "--force", "m2");
      assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
          .as("the container's mounts on the host are gone")
          .doesNotContain(h.rootfs().toString());
    }
  }
}
