package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.testing.TestHost;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `jvs events` follows the service's feed (docs/api.md, "Events"): a guest's lifecycle, a config
 * change, an exit with code 3, an OOM kill and a pids.max hit each arrive as one JSON line with
 * time, guest and type; without a service it fails with one line.
 */
@Tag("kernel")
class EventsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void eventsArriveAsJsonLines() throws Exception {
    try (TestHost host = new TestHost()) {
      TestService.Result none = TestService.jvs(host, "events");
      assertThat(none.code()).isNotZero();
      assertThat(none.err().strip()).contains("no jvs service listens on").doesNotContain("\n");

      try (TestService service = TestService.start(host)) {
        assertThat(TestService.jvs(host, "build", "first").code()).isZero();
        Path out = Files.createTempFile(host.base(), "events", ".jsonl");
        ProcessBuilder pb =
            new ProcessBuilder(TestService.client().toString(), "events")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(out.toFile()));
        TestService.environment(pb, host.env());
        Process events = pb.start();
        try {
          // subscribed once a touch of a config file shows up as an event
          Path conf = host.dirs().guest(GuestName.of("first")).resolve(ConfigFile.FILE_NAME);
          for (int i = 1; i < 100 && find(out, e -> type(e, "first", "config")) == null; i++) {
            Files.setLastModifiedTime(conf, FileTime.from(Instant.now().plusSeconds(i)));
            Thread.sleep(300);
          }
          assertThat(find(out, e -> type(e, "first", "config"))).as(read(out)).isNotNull();

          assertThat(TestService.jvs(host, "build", "web").code()).isZero();
          await(out, "web", "created");
          assertThat(TestService.jvs(host, "set", "web", "cpu.share=300").code()).isZero();
          await(out, "web", "config");
          assertThat(TestService.jvs(host, "start", "web").code()).isZero();
          await(out, "web", "started");
          assertThat(TestService.jvs(host, "stop", "web", "-t", "0").code()).isZero();
          await(out, "web", "stopped");
          TestService.Result three =
              TestService.jvs(host, "start", "web", "--", "/bin/sh", "-c", "sleep 1; exit 3");
          assertThat(three.code()).as(three.err()).isEqualTo(3);
          JsonNode exited = await(out, "web", "exited");
          assertThat(exited.get("code").asInt()).isEqualTo(3);
          assertThat(TestService.jvs(host, "delete", "web").code()).isZero();
          await(out, "web", "deleted");

          // an OOM kill and a pids.max hit in a running guest: init, sh and 6 sleeps are its 8
          // for 3 s (unprivileged, as a new guest is, a fork past them would be refused by
          // RLIMIT_NPROC, which counts nowhere, and end the shell: the event is the count's)
          assertThat(TestService.jvs(host, "build", "small").code()).isZero();
          GuestName small = GuestName.of("small");
          host.installProbe(small);
          assertThat(
                  TestService.jvs(
                          host, "set", "small", "memory.rss=32M", "memory.swap=0", "pids.max=8")
                      .code())
              .isZero();
          assertThat(TestService.jvs(host, "start", "small").code()).isZero();
          await(out, "small", "started");
          TestService.Result hog =
              TestService.jvs(host, "exec", "small", "--", "/probe", "hog", "96");
          assertThat(hog.code()).as(hog.out() + hog.err()).isEqualTo(128 + 9);
          JsonNode oom = await(out, "small", "oom-kill");
          assertThat(oom.get("count").asLong()).isPositive();
          TestService.jvs(
              host,
              "exec",
              "small",
              "--",
              "/bin/sh",
              "-c",
              "for i in 1 2 3 4 5 6; do sleep 3 & done; wait");
          await(out, "small", "pids-max");
          assertThat(TestService.jvs(host, "stop", "small", "-t", "0").code()).isZero();
          await(out, "small", "stopped");

          for (String line : Files.readAllLines(out)) {
            JsonNode e = JSON.readTree(line); // every line one JSON object
            assertThat(Instant.parse(e.get("time").asText())).isBefore(Instant.now());
            assertThat(e.get("guest").asText()).isNotBlank();
            assertThat(e.get("type").asText()).isNotBlank();
          }
        } finally {
          events.destroy();
          events.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /**
   * A guest jvs stops is "stopped" though busybox's init exits 0 on SIGTERM; an init that exits 0
   * by itself in a later run of the same guest is "exited" with code 0.
   */
  @Test
  void aStopByJvsIsStoppedAndAnInitsOwnExitIsExited() throws Exception {
    try (TestHost host = new TestHost();
        TestService service = TestService.start(host)) {
      assertThat(TestService.jvs(host, "build", "calm").code()).isZero();
      Path out = Files.createTempFile(host.base(), "events", ".jsonl");
      ProcessBuilder pb =
          new ProcessBuilder(TestService.client().toString(), "events")
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile());
      TestService.environment(pb, host.env());
      Process events = pb.start();
      try {
        Path conf = host.dirs().guest(GuestName.of("calm")).resolve(ConfigFile.FILE_NAME);
        for (int i = 1; i < 100 && find(out, e -> type(e, "calm", "config")) == null; i++) {
          Files.setLastModifiedTime(conf, FileTime.from(Instant.now().plusSeconds(i)));
          Thread.sleep(300);
        }
        assertThat(TestService.jvs(host, "start", "calm").code()).isZero();
        await(out, "calm", "started");
        assertThat(TestService.jvs(host, "stop", "calm", "-t", "20").code()).isZero();
        JsonNode stopped = await(out, "calm", "stopped");
        assertThat(stopped.path("how").asText()).as(read(out)).isEqualTo("exited 0");
        assertThat(find(out, e -> type(e, "calm", "exited"))).as(read(out)).isNull();

        TestService.Result zero =
            TestService.jvs(host, "start", "calm", "--", "/bin/sh", "-c", "sleep 1; exit 0");
        assertThat(zero.code()).as(zero.err()).isZero();
        JsonNode exited = await(out, "calm", "exited");
        assertThat(exited.get("code").asInt()).isZero();
      } finally {
        events.destroy();
        events.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The watchdog's reset reaches the feed too. Safely, as WatchdogKernelTest does it: the budget it
   * guards is the guests' parent memory cgroup with a 200 MiB limit, not the host's memory.
   */
  @Test
  void aWatchdogResetIsAnEvent() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName hog = GuestName.of("hog");
      host.guests().build(hog, "busybox");
      host.installProbe(hog);
      host.guests()
          .set(
              hog,
              java.util.Map.of("memory.rss", "256M", "memory.swap", "0", "memory.reset", "stop"));
      host.guests().start(hog, List.of(), dev.jvs.guest.Guests.Attach.DETACHED);
      Path parent = dev.jvs.testing.CgroupFiles.dir("/" + host.dirs().cgroupParent(), "memory");
      boolean v1 = Files.exists(parent.resolve("memory.limit_in_bytes"));
      Files.writeString(
          parent.resolve(v1 ? "memory.limit_in_bytes" : "memory.max"), Long.toString(200L << 20));
      try (TestService service =
          TestService.start(host, "--budget-cgroup", parent.toString(), "--min-available", "64M")) {
        Path out = Files.createTempFile(host.base(), "events", ".jsonl");
        ProcessBuilder pb =
            new ProcessBuilder(TestService.client().toString(), "events")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile());
        TestService.environment(pb, host.env());
        Process events = pb.start();
        try {
          Path conf = host.dirs().guest(hog).resolve(ConfigFile.FILE_NAME);
          for (int i = 1; i < 100 && find(out, e -> type(e, "hog", "config")) == null; i++) {
            Files.setLastModifiedTime(conf, FileTime.from(Instant.now().plusSeconds(i)));
            Thread.sleep(300);
          }
          TestService.Result grow =
              TestService.jvs(host, "exec", "hog", "--", "/probe", "grow", "8", "190", "100");
          assertThat(grow.code()).as(grow.out()).isGreaterThan(128); // ended with its guest
          JsonNode reset = await(out, "hog", "watchdog-reset");
          assertThat(reset.get("action").asText()).isEqualTo("stop");
          assertThat(reset.get("reason").asText()).contains("below the threshold");
          await(out, "hog", "stopped");
        } finally {
          events.destroy();
          events.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static boolean type(JsonNode e, String guest, String type) {
    return e.path("guest").asText().equals(guest) && e.path("type").asText().equals(type);
  }

  private static JsonNode await(Path out, String guest, String type) throws Exception {
    for (int i = 0; i < 300; i++) {
      JsonNode e = find(out, x -> type(x, guest, type));
      if (e != null) {
        return e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no " + type + " event of " + guest + " in:\n" + read(out));
  }

  private static JsonNode find(Path out, Predicate<JsonNode> p) throws IOException {
    List<JsonNode> all = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      if (!line.isBlank()) {
        all.add(JSON.readTree(line));
      }
    }
    return all.stream().filter(p).findFirst().orElse(null);
  }

  private static String read(Path out) throws IOException {
    return Files.readString(out);
  }
}
