package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * runc's lifecycle through jvs-oci, real kernel: create, start, state, kill, delete and friends.
 */
@Tag("kernel")
class OciLifecycleIT {
  @Test
  void createWaitsUntilStartThenRunsKillAndDeleteRemoveEverything() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b =
          host.bundle("c1", "sh", "-c", "echo started > /out/marker; exec sleep 1000");
      Path pidFile = host.base.resolve("c1.pid");
      host.ok("create", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(), "c1");

      JsonNode state = OciTestHost.JSON.readTree(host.ok("state", "c1").out());
      assertThat(state.get("status").asText()).isEqualTo("created");
      assertThat(state.get("id").asText()).isEqualTo("c1");
      assertThat(state.get("bundle").asText()).isEqualTo(b.dir().toString());
      long pid = state.get("pid").asLong();
      assertThat(Files.readString(pidFile).trim()).isEqualTo(Long.toString(pid));
      assertThat(Files.exists(Path.of("/proc/" + pid))).isTrue();
      Thread.sleep(200);
      assertThat(b.exists("/out/marker")).as("user program ran before start").isFalse();

      host.ok("start", "c1");
      assertThat(OciTestHost.await(b, "/out/marker")).isEqualTo("started\n");
      assertThat(host.status("c1")).isEqualTo("running");
      assertThat(host.oci("start", "c1").code()).isNotZero();
      assertThat(host.ok("list").out()).contains("c1").contains("running");
      assertThat(host.ok("list", "--format", "json").out()).contains("\"id\":\"c1\"");

      host.ok("kill", "c1", "KILL");
      for (int i = 0; i < 200 && !host.status("c1").equals("stopped"); i++) {
        Thread.sleep(20);
      }
      assertThat(host.status("c1")).isEqualTo("stopped");
      assertThat(host.oci("kill", "c1").err()).contains("container not running");
      host.ok("delete", "c1");
      assertThat(host.oci("state", "c1").err()).contains("container does not exist");
      assertThat(host.leftovers()).isEmpty();
      assertThat(host.stateLeft()).isEmpty();
    }
  }

  @Test
  void deleteRefusesARunningContainerUnlessForced() {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("c2", "sleep", "1000");
      host.ok("create", "--bundle", b.dir().toString(), "c2");
      host.ok("start", "c2");
      OciTestHost.Result r = host.oci("delete", "c2");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("cannot delete container c2 that is not stopped: running");
      host.ok("delete", "--force", "c2");
      assertThat(host.leftovers()).isEmpty();
      assertThat(host.stateLeft()).isEmpty();
      host.ok("delete", "--force", "c2"); // gone already: --force makes that no error
    }
  }

  @Test
  void deletingACreatedContainerNeedsForceAndKillsItsWaitingProcess() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("c3", "sleep", "1000");
      host.ok("create", "--bundle", b.dir().toString(), "c3");
      long pid = OciTestHost.JSON.readTree(host.ok("state", "c3").out()).get("pid").asLong();
      assertThat(host.oci("delete", "c3").err())
          .contains("cannot delete container c3 that is not stopped: created");
      assertThat(host.status("c3")).isEqualTo("created");
      host.ok("delete", "--force", "c3");
      Thread.sleep(100);
      assertThat(dev.jvs.kernel.ProcStat.startTime(pid)).as("alive (not a zombie)").isEmpty();
      assertThat(host.leftovers()).isEmpty();
    }
  }

  @Test
  void execPsPauseResumeAndUpdate() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("c4", "sleep", "1000");
      host.ok("create", "--bundle", b.dir().toString(), "c4");
      host.ok("start", "c4");

      OciTestHost.Result r = host.oci("exec", "c4", "sh", "-c", "echo hi from exec; exit 7");
      assertThat(r.code()).isEqualTo(7);
      assertThat(r.out()).isEqualTo("hi from exec\n");
      assertThat(host.ok("exec", "c4", "sh", "-c", "echo $$").out().trim())
          .as("exec joins the container's pid namespace")
          .isNotEqualTo("1");

      Path process = host.base.resolve("process.json");
      Files.writeString(
          process,
          """
          {"args": ["sh", "-c", "id -u > /out/exec-uid; exec sleep 1000"], "cwd": "/tmp",
           "env": ["PATH=/bin"], "user": {"uid": 1000, "gid": 1000}}
          """);
      Path pidFile = host.base.resolve("exec.pid");
      host.ok(
          "exec",
          "--process",
          process.toString(),
          "--detach",
          "--pid-file",
          pidFile.toString(),
          "c4");
      assertThat(OciTestHost.await(b, "/out/exec-uid")).isEqualTo("1000\n");
      long execPid = Long.parseLong(Files.readString(pidFile).trim());

      JsonNode pids = OciTestHost.JSON.readTree(host.ok("ps", "--format", "json", "c4").out());
      assertThat(pids).hasSize(2);
      assertThat(pids.toString()).contains(Long.toString(execPid));

      host.ok("pause", "c4");
      assertThat(host.status("c4")).isEqualTo("paused");
      String st = Files.readString(Path.of("/proc/" + execPid + "/status"));
      assertThat(st).contains("State:\tD").as("frozen tasks sleep in the freezer");
      host.ok("resume", "c4");
      assertThat(host.status("c4")).isEqualTo("running");

      host.ok("update", "--memory", "67108864", "--pids-limit", "33", "c4");
      String cg = host.cgroupParent + "/c4";
      assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids", cg, "pids.max")).trim())
          .isEqualTo("33");
      assertThat(
              Files.readString(Path.of("/sys/fs/cgroup/memory", cg, "memory.limit_in_bytes"))
                  .trim())
          .isEqualTo("67108864");

      host.ok("kill", "--all", "c4", "KILL");
      host.ok("delete", "--force", "c4");
      assertThat(host.leftovers()).isEmpty();
    }
  }
}
