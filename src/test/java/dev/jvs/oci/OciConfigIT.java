package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** config.json fields, each checked from inside a real container. */
@Tag("kernel")
class OciConfigIT {
  private static final String PROBE =
      """
      hostname > /res/hostname
      echo "$FOO" > /res/env
      pwd > /res/cwd
      id > /res/id
      grep -E 'CapEff|CapBnd|NoNewPrivs' /proc/self/status > /res/status
      cat /proc/self/oom_score_adj > /res/oom
      ulimit -n > /res/nofile
      touch /rootfile 2>/dev/null; echo $? > /res/rootfs-ro
      cat /proc/sys/net/ipv4/ip_forward > /res/sysctl
      (echo 0 > /proc/sys/net/ipv4/ip_forward) 2>/dev/null; echo $? > /res/procsys-ro
      wc -c < /proc/timer_list > /res/masked
      cat /ro/data > /res/bind; touch /ro/x 2>/dev/null; echo $? >> /res/bind
      grep ' /scratch ' /proc/mounts > /res/tmpfs
      mkdir /scratch/d 2>/dev/null; echo $? > /res/seccomp
      echo done > /res/done
      exec sleep 1000
      """;

  @Test
  void processRootMountsLinuxAndResourcesFieldsTakeEffect() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("f1", "sh", "-c", PROBE);
      Path res = Files.createDirectories(host.base.resolve("res"));
      Path ro = Files.createDirectories(host.base.resolve("ro"));
      Files.writeString(ro.resolve("data"), "host data\n");
      ObjectNode c = b.config();
      c.put("hostname", "oci-box");
      ((ObjectNode) c.get("root")).put("readonly", true);
      ObjectNode p = b.process();
      ((ArrayNode) p.get("env")).add("FOO=bar baz");
      p.put("cwd", "/work/here");
      p.put("oomScoreAdj", 500);
      ObjectNode user = p.putObject("user");
      user.put("uid", 0);
      user.put("gid", 0);
      user.putArray("additionalGids").add(10).add(20);
      ObjectNode caps = p.putObject("capabilities");
      for (String set : new String[] {"bounding", "effective", "permitted"}) {
        caps.putArray(set).add("CAP_KILL").add("CAP_CHOWN");
      }
      p.putArray("rlimits")
          .addObject()
          .put("type", "RLIMIT_NOFILE")
          .put("hard", 1000)
          .put("soft", 1000);
      p.put("noNewPrivileges", true);
      ArrayNode mounts = (ArrayNode) c.get("mounts");
      mounts
          .addObject()
          .put("destination", "/res")
          .put("type", "bind")
          .put("source", res.toString())
          .putArray("options")
          .add("rbind")
          .add("rw");
      mounts
          .addObject()
          .put("destination", "/ro")
          .put("type", "bind")
          .put("source", ro.toString())
          .putArray("options")
          .add("bind")
          .add("ro");
      mounts
          .addObject()
          .put("destination", "/scratch")
          .put("type", "tmpfs")
          .put("source", "tmpfs")
          .putArray("options")
          .add("nosuid")
          .add("size=1m");
      ObjectNode linux = b.linux();
      linux.putObject("sysctl").put("net.ipv4.ip_forward", "1");
      ObjectNode resources = linux.putObject("resources");
      resources.putObject("memory").put("limit", 100 * 1024 * 1024);
      resources.putObject("pids").put("limit", 50);
      resources.putObject("cpu").put("shares", 512).put("quota", 50000).put("period", 100000);
      ObjectNode seccomp = linux.putObject("seccomp");
      seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
      seccomp.putArray("architectures").add("SCMP_ARCH_X86_64");
      ObjectNode rule = seccomp.putArray("syscalls").addObject();
      rule.putArray("names").add("mkdir").add("mkdirat");
      rule.put("action", "SCMP_ACT_ERRNO").put("errnoRet", 13);
      c.putObject("annotations").put("org.example.note", "hello");
      b.save();

      host.ok("create", "--bundle", b.dir().toString(), "f1");
      host.ok("start", "f1");
      OciTestHost.awaitFile(res.resolve("done"));
      String cg = host.cgroupParent + "/f1";
      assertThat(read(res, "hostname")).isEqualTo("oci-box");
      assertThat(read(res, "env")).isEqualTo("bar baz");
      assertThat(read(res, "cwd")).isEqualTo("/work/here");
      assertThat(read(res, "id"))
          .contains("uid=0")
          .contains("groups=")
          .contains("10")
          .contains("20");
      assertThat(read(res, "status"))
          .contains("CapEff:\t0000000000000021")
          .contains("CapBnd:\t0000000000000021")
          .contains("NoNewPrivs:\t1");
      assertThat(read(res, "oom")).isEqualTo("500");
      assertThat(read(res, "nofile")).isEqualTo("1000");
      assertThat(read(res, "rootfs-ro")).isNotEqualTo("0");
      assertThat(read(res, "sysctl")).isEqualTo("1");
      assertThat(read(res, "procsys-ro")).isNotEqualTo("0");
      assertThat(read(res, "masked")).isEqualTo("0");
      assertThat(read(res, "bind")).startsWith("host data").doesNotEndWith("\n0");
      assertThat(read(res, "tmpfs")).contains("tmpfs /scratch tmpfs").contains("nosuid");
      assertThat(read(res, "seccomp")).isNotEqualTo("0");
      assertThat(Files.exists(host.base.resolve("res/../ro/x"))).isFalse();
      assertThat(
              Files.readString(Path.of("/sys/fs/cgroup/memory", cg, "memory.limit_in_bytes"))
                  .trim())
          .isEqualTo(Long.toString(100 * 1024 * 1024));
      assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids", cg, "pids.max")).trim())
          .isEqualTo("50");
      assertThat(Files.readString(Path.of("/sys/fs/cgroup/cpu", cg, "cpu.shares")).trim())
          .isEqualTo("512");
      assertThat(Files.readString(Path.of("/sys/fs/cgroup/cpu", cg, "cpu.cfs_quota_us")).trim())
          .isEqualTo("50000");
      JsonNode state = OciTestHost.JSON.readTree(host.ok("state", "f1").out());
      assertThat(state.get("annotations").get("org.example.note").asText()).isEqualTo("hello");
      host.ok("delete", "--force", "f1");
    }
  }

  @Test
  void hooksRunAtTheirTimesWithTheStateOnStdin() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("h1", "sleep", "1000");
      Path log = host.base.resolve("hooks");
      ObjectNode hooks = b.config().putObject("hooks");
      for (String kind : new String[] {"prestart", "createRuntime", "poststart", "poststop"}) {
        ObjectNode h = hooks.putArray(kind).addObject();
        h.put("path", "/bin/sh");
        h.putArray("args").add("sh").add("-c").add("cat > " + log + "-" + kind);
      }
      b.save();
      host.ok("create", "--bundle", b.dir().toString(), "h1");
      assertThat(Files.readString(Path.of(log + "-prestart")))
          .contains("\"id\":\"h1\"")
          .contains("\"status\":\"created\"");
      assertThat(Files.readString(Path.of(log + "-createRuntime"))).contains("\"id\":\"h1\"");
      assertThat(Files.exists(Path.of(log + "-poststart"))).isFalse();
      host.ok("start", "h1");
      assertThat(Files.readString(Path.of(log + "-poststart"))).contains("\"status\":\"running\"");
      host.ok("delete", "--force", "h1");
      assertThat(Files.readString(Path.of(log + "-poststop"))).contains("\"status\":\"stopped\"");
    }
  }

  @Test
  void namespaceJoinedByPath() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle a = host.bundle("a", "sleep", "1000");
      host.ok("create", "--bundle", a.dir().toString(), "a");
      long pidA = OciTestHost.JSON.readTree(host.ok("state", "a").out()).get("pid").asLong();

      OciTestHost.Bundle j =
          host.bundle("j", "sh", "-c", "readlink /proc/self/ns/net > /out/net; exec sleep 1000");
      ArrayNode ns = (ArrayNode) j.linux().get("namespaces");
      for (int i = 0; i < ns.size(); i++) {
        if (ns.get(i).get("type").asText().equals("network")) {
          ((ObjectNode) ns.get(i)).put("path", "/proc/" + pidA + "/ns/net");
        }
      }
      j.save();
      host.ok("create", "--bundle", j.dir().toString(), "j");
      host.ok("start", "j");
      String net = OciTestHost.await(j, "/out/net").trim();
      assertThat(net)
          .isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + pidA + "/ns/net")).toString());
      host.ok("delete", "--force", "j");
      host.ok("delete", "--force", "a");
    }
  }

  @Test
  void userNamespaceWithMappings() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle u =
          host.bundle(
              "u",
              "sh",
              "-c",
              "cat /proc/self/uid_map > /out/uidmap; id -u > /out/uid;"
                  + " stat -c '%u %g' /owned /bin/busybox > /out/owners;"
                  + " exec sleep 1000");
      ((ArrayNode) u.linux().get("namespaces")).addObject().put("type", "user");
      // rootfs files are seen through the mapping: host 200005:200007 is 5:7 inside, and the
      // host's root (unmapped) the overflow id
      Path owned = u.rootfs().resolve("owned");
      Files.writeString(owned, "x");
      Files.setAttribute(owned, "unix:uid", 200005);
      Files.setAttribute(owned, "unix:gid", 200007);
      for (String m : new String[] {"uidMappings", "gidMappings"}) {
        u.linux()
            .putArray(m)
            .addObject()
            .put("containerID", 0)
            .put("hostID", 200000)
            .put("size", 65536);
      }
      u.save();
      host.ok("create", "--bundle", u.dir().toString(), "u");
      long pid = OciTestHost.JSON.readTree(host.ok("state", "u").out()).get("pid").asLong();
      host.ok("start", "u");
      assertThat(OciTestHost.await(u, "/out/uidmap")).contains("200000").contains("65536");
      assertThat(OciTestHost.await(u, "/out/uid").trim()).isEqualTo("0");
      assertThat(OciTestHost.await(u, "/out/owners")).isEqualTo("5 7\n65534 65534\n");
      assertThat(Files.readString(Path.of("/proc/" + pid + "/status")))
          .containsPattern("Uid:\\t200000");
      host.ok("delete", "--force", "u");
    }
  }

  @Test
  void ambientCapabilitiesTheKernelCannotRaiseAreDroppedWithAWarning() throws Exception {
    String caps = "grep -E '^Cap(Eff|Amb):' /proc/self/status > /out/caps; exec sleep 1000";
    try (OciTestHost host = new OciTestHost()) {
      // `runc spec`'s process: ambient capabilities listed, no inheritable set
      OciTestHost.Bundle r = host.bundle("r", "sh", "-c", caps);
      ((ObjectNode) r.process().get("capabilities"))
          .putArray("ambient")
          .add("CAP_AUDIT_WRITE")
          .add("CAP_KILL")
          .add("CAP_NET_BIND_SERVICE");
      r.save();
      String warning =
          "ambient capabilities CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE"
              + " dropped: not in both the permitted and inheritable sets";
      String created = host.ok("create", "--bundle", r.dir().toString(), "r").err();
      host.ok("start", "r");
      assertThat(OciTestHost.await(r, "/out/caps"))
          .isEqualTo("CapEff:\t0000000020000420\nCapAmb:\t0000000000000000\n");
      assertThat(host.status("r")).isEqualTo("running");
      assertThat(created).contains("level=warning msg=\"" + warning + "\"");
      OciTestHost.Result exec = host.ok("exec", "r", "grep", "CapEff", "/proc/self/status");
      assertThat(exec.out()).isEqualTo("CapEff:\t0000000020000420\n");
      assertThat(exec.err()).contains(warning);

      // one that is inheritable too is raised: a non-root program keeps exactly it across exec
      OciTestHost.Bundle a = host.bundle("a", "sh", "-c", caps);
      ObjectNode c = (ObjectNode) a.process().get("capabilities");
      c.putArray("inheritable").add("CAP_KILL");
      c.putArray("ambient").add("CAP_AUDIT_WRITE").add("CAP_KILL");
      a.process().putObject("user").put("uid", 1000).put("gid", 1000);
      a.save();
      assertThat(host.ok("create", "--bundle", a.dir().toString(), "a").err())
          .contains("ambient capabilities CAP_AUDIT_WRITE dropped");
      host.ok("start", "a");
      assertThat(OciTestHost.await(a, "/out/caps"))
          .isEqualTo("CapEff:\t0000000000000020\nCapAmb:\t0000000000000020\n");

      // `jvs-oci spec`'s process runs as is (only its program and cgroup changed)
      OciTestHost.Bundle s = host.bundle("s");
      Files.delete(s.dir().resolve("config.json"));
      host.ok("spec", "--bundle", s.dir().toString());
      ObjectNode spec =
          (ObjectNode) OciTestHost.JSON.readTree(Files.readString(s.dir().resolve("config.json")));
      ((ObjectNode) spec.get("process")).putArray("args").add("sleep").add("1000");
      ((ObjectNode) spec.get("linux")).put("cgroupsPath", "/" + host.cgroupParent + "/s");
      new OciTestHost.Bundle(s.dir(), spec).save();
      assertThat(host.ok("create", "--bundle", s.dir().toString(), "s").err()).isEmpty();
      host.ok("start", "s");
      assertThat(host.ok("exec", "s", "sh", "-c", "echo ok").out()).isEqualTo("ok\n");
      assertThat(host.status("s")).isEqualTo("running");
      for (String id : new String[] {"r", "a", "s"}) {
        host.ok("delete", "--force", id);
      }
    }
  }

  private static String read(Path dir, String name) throws Exception {
    return Files.readString(dir.resolve(name)).trim();
  }
}
