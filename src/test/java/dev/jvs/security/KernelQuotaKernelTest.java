package dev.jvs.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.jvs.guest.GuestName;
import dev.jvs.testing.TestHost;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Per-user kernel quotas (hole A), in privileged guests: guest root is host uid 0, so whatever the
 * kernel counts per user is shared with host root: a guest that takes all of it must not leave host
 * root without. Each test checks the host-visible effect — host root's own call still succeeds
 * while the guest holds what it could take — not the guest's exit code.
 */
@Tag("kernel")
class KernelQuotaKernelTest {
  private static final Duration TAKE = Duration.ofSeconds(60);

  /**
   * The hole is a privileged guest's (its root is host uid 0); an unprivileged one counts against
   * its own uid, whose namespace the kernel charges per guest.
   */
  private static final String KEY = "security.privileged";

  private static final Map<String, String> PRIVILEGED = Map.of(KEY, "true");

  @Test
  void guestHoldingAllTheInotifyInstancesItCanLeavesHostRootSome() throws Exception {
    try (TestHost host = new TestHost()) {
      // The premise: host root can make one now (else the host is exhausted by someone else).
      assertThat(AttackHost.onHost("inotify-one").output()).isEqualTo("inotify-one ok");
      GuestName g = AttackHost.guest(host, "inotify", PRIVILEGED);
      try {
        String took = AttackHost.holdInGuest(host, g, "/tmp/o", TAKE, "inotify-fill", "1000", "60");
        assertThat(took).as("the attack ran").matches("inotify-fill [1-9][0-9]* \\S+");
        assertThat(AttackHost.onHost("inotify-one").output())
            .as("host root's inotify_init1 while the guest holds: %s", took)
            .isEqualTo("inotify-one ok");
        assertThatCode(
                () -> {
                  try (WatchService w = FileSystems.getDefault().newWatchService()) {
                    host.base().register(w, StandardWatchEventKinds.ENTRY_CREATE);
                  }
                })
            .as("a Java WatchService on the host while the guest holds: %s", took)
            .doesNotThrowAnyException();
      } finally {
        AttackHost.releaseInGuest(host, g);
      }
    }
  }

  @Test
  void guestHoldingAllTheInotifyWatchesItsMemoryAllowsLeavesHostRootSome() throws Exception {
    try (TestHost host = new TestHost()) {
      assertThat(AttackHost.onHost("watch-one").output()).isEqualTo("watch-one ok");
      // (Files.readString reads "1" from a sysctl file: it reads 1 byte, then the kernel gives
      // nothing more from a non-zero offset; a line at a time reads the whole value.)
      long limit =
          Long.parseLong(
              Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_user_watches"))
                  .getFirst()
                  .strip());
      // A watch costs the guest's memory cgroup ~120 bytes (mark, and the file it watches), so
      // 64M holds the kernel's default limit (~190k watches on this 24G host, 23 MB) but not
      // 1M watches (125 MB): what bounds the guest is then its memory, and past it the guest's
      // OOM killer, not host root's quota.
      GuestName g = AttackHost.guest(host, "watches", Map.of("memory.rss", "64M", KEY, "true"));
      try {
        String took =
            AttackHost.holdInGuestUnlessKilled(
                host,
                g,
                "/tmp/o",
                Duration.ofSeconds(180),
                "watch-fill",
                Long.toString(limit + 1000),
                "60",
                "/tmp/w");
        System.out.println("watch-fill of " + (limit + 1000) + " in a 64M guest: " + took);
        assertThat(AttackHost.onHost("watch-one").output())
            .as("host root's inotify_add_watch while the guest holds: %s (limit %d)", took, limit)
            .isEqualTo("watch-one ok");
      } finally {
        AttackHost.releaseInGuest(host, g);
      }
    }
  }

  @Test
  void guestHoldingAllTheMessageQueuesItCanLeavesHostRootSome() throws Exception {
    try (TestHost host = new TestHost()) {
      assertThat(AttackHost.onHost("mqueue-one").output()).isEqualTo("mqueue-one ok");
      GuestName g = AttackHost.guest(host, "mqueues", PRIVILEGED);
      try {
        // Bytes are charged per user and checked against the caller's RLIMIT_MSGQUEUE: the guest
        // may get no queue at all once its own limit is low, so only the line's form is asserted.
        String took = AttackHost.holdInGuest(host, g, "/tmp/o", TAKE, "mqueue-fill", "60");
        assertThat(took).as("the attack ran").matches("mqueue-fill [0-9]+ \\S+ bytes [0-9]+");
        assertThat(AttackHost.onHost("mqueue-one").output())
            .as("host root's mq_open while the guest holds: %s", took)
            .isEqualTo("mqueue-one ok");
      } finally {
        // SIGTERM: the holder unlinks its queues (they would outlive it until the guest's IPC
        // namespace goes, at stop).
        AttackHost.releaseInGuest(host, g);
      }
    }
  }

  @Test
  void keysAndUserNamespacesAreRefusedToGuestRoot() throws Exception {
    String marker =
        "jvs-attack-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    try (TestHost host = new TestHost()) {
      GuestName g = AttackHost.guest(host, "keys", PRIVILEGED);
      try {
        // root's user keyring and key quota are host root's; the seccomp profile refuses keys
        assertThat(AttackHost.inGuest(host, g, "add-key", marker)).startsWith("add-key fail ");
        assertThat(AttackHost.onHost("find-key", marker).output())
            .isEqualTo("find-key none ENOKEY");
        assertThat(Files.readString(Path.of("/proc/keys"))).doesNotContain(marker);
      } finally {
        // a key the guest planted would stay in host root's keyring: remove it whatever happened
        AttackHost.onHost("unlink-key", marker);
      }
      // user.max_user_namespaces is per user too, and a user namespace is full capabilities
      assertThat(AttackHost.inGuest(host, g, "unshare-user")).startsWith("unshare-user fail ");
      assertThat(AttackHost.inGuest(host, g, "clone-user")).startsWith("clone-user fail ");
    }
  }
}
