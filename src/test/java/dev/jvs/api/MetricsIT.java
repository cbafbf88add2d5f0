package dev.jvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.net.NetNames;
import dev.jvs.testing.TestHost;
import dev.jvs.testing.UnixHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * GET /1.0/metrics shows what the kernel counts (docs/api.md, "Metrics"): a bridged guest's veth
 * counters as its host end's statistics in sysfs read just before and after the scrape (the other
 * way round: what the host end sends, the guest receives), its cgroup's counters between the same
 * two readings, its limits from its config; a stopped guest only its state and limits.
 */
@Tag("kernel")
class MetricsIT {
  private static final Duration TICK = Duration.ofMillis(200);
  private static final Pattern SAMPLE =
      Pattern.compile("^(\\w+)\\{guest=\"(\\w+)\"} (\\S+)$", Pattern.MULTILINE);

  @Test
  void aScrapeShowsTheKernelsCountersOfEachGuest() throws Exception {
    try (TestHost host = new TestHost()) {
      int n = Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 2), 16);
      Files.createDirectories(host.dirs().root());
      Files.writeString(host.dirs().root().resolve("net.conf"), "subnet = 10.213." + n + ".0/24\n");
      Guests guests = host.guests();
      GuestName web = GuestName.of("web");
      guests.build(web, "busybox");
      guests.set(web, Map.of("net.mode", "bridge", "memory.rss", "64M", "pids.max", "40"));
      host.installProbe(web, "attack-guest");
      guests.start(web, List.of(), Guests.Attach.DETACHED);
      GuestName idle = GuestName.of("idle");
      guests.build(idle, "busybox");
      // traffic both ways on the veth: an echo to the bridge and its reply
      assertThat(host.exec(web, "/attack-guest", "icmp-echo", "10.213." + n + ".1").output())
          .contains("icmp-echo ok");

      Path veth =
          Path.of("/sys/class/net", NetNames.of(host.dirs().root()).veth("web"), "statistics");
      CgroupDriver cgroups = CgroupDriver.detect();
      try (ApiServer api = ApiServer.start(guests, cgroups, null, TICK, Map.of(), line -> {})) {
        Map<String, Long> before = kernel(veth, cgroups, host);
        Thread.sleep(TICK.multipliedBy(3).toMillis()); // older than two ticks: a fresh look
        UnixHttp.Reply reply = UnixHttp.send(api.socket(), "GET", "/1.0/metrics", null);
        Map<String, Long> after = kernel(veth, cgroups, host);
        assertThat(reply.status()).isEqualTo(200);
        Map<String, Double> web1 = samples(reply.body(), "web");
        Map<String, Double> idle1 = samples(reply.body(), "idle");

        for (String[] pair :
            new String[][] {
              {"jvs_guest_network_receive_bytes_total", "tx_bytes"},
              {"jvs_guest_network_receive_packets_total", "tx_packets"},
              {"jvs_guest_network_transmit_bytes_total", "rx_bytes"},
              {"jvs_guest_network_transmit_packets_total", "rx_packets"},
              {"jvs_guest_cpu_seconds_total", "cpu"},
              {"jvs_guest_oom_kills_total", "oom"},
              {"jvs_guest_pids_max_hits_total", "pidsHits"},
            }) {
          double seconds = pair[1].equals("cpu") ? 1e9 : 1;
          assertThat(web1.get(pair[0]) * seconds)
              .as(pair[0] + " in " + reply.body())
              .isBetween(before.get(pair[1]) - 1.0, after.get(pair[1]) + 1.0); // +-1: rounding
        }
        assertThat(web1.get("jvs_guest_network_transmit_packets_total")).isPositive();
        assertThat(web1.get("jvs_guest_network_receive_packets_total")).isPositive();
        assertThat(web1.get("jvs_guest_running")).isEqualTo(1.0);
        assertThat(web1.get("jvs_guest_memory_limit_bytes")).isEqualTo(64.0 * 1024 * 1024);
        assertThat(web1.get("jvs_guest_processes_limit")).isEqualTo(40.0);
        assertThat(web1.get("jvs_guest_memory_usage_bytes")).isPositive();
        assertThat(web1.get("jvs_guest_processes")).isPositive();
        assertThat(web1.get("jvs_guest_cpu_user_seconds_total")).isNotNull();
        assertThat(web1.get("jvs_guest_cpu_system_seconds_total")).isNotNull();
        assertThat(web1.get("jvs_guest_block_read_bytes_total")).isNotNull();
        assertThat(web1.get("jvs_guest_start_time_seconds"))
            .isBetween(System.currentTimeMillis() / 1000.0 - 600, System.currentTimeMillis() / 1e3);
        assertThat(idle1).containsOnlyKeys("jvs_guest_running");
        assertThat(idle1.get("jvs_guest_running")).isZero();
        assertThat(reply.body())
            .contains("jvs_guests 2.0")
            .contains("jvs_guests_running 1.0")
            .contains("jvm_memory_used_bytes");
      }
    }
  }

  /** The veth's host-end statistics and the cgroup's counters, as the kernel has them now. */
  private static Map<String, Long> kernel(Path veth, CgroupDriver cgroups, TestHost host)
      throws Exception {
    Map<String, Long> k = new HashMap<>();
    for (String f : List.of("tx_bytes", "tx_packets", "rx_bytes", "rx_packets")) {
      k.put(f, Long.parseLong(Files.readString(veth.resolve(f)).strip()));
    }
    var cgroup = cgroups.find(host.dirs().cgroupParent(), "web").orElseThrow();
    k.put("cpu", cgroup.usage().cpuNanos());
    k.put("oom", cgroup.usage().oomKills());
    k.put("pidsHits", cgroup.stats().pidsMaxHits());
    return k;
  }

  /** One guest's samples: metric name to value. */
  private static Map<String, Double> samples(String text, String guest) {
    Map<String, Double> values = new HashMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      if (m.group(2).equals(guest)) {
        values.put(m.group(1), Double.parseDouble(m.group(3)));
      }
    }
    return values;
  }
}
