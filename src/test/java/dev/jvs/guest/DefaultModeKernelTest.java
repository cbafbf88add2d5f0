package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.config.ConfigFile;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * New guests are unprivileged by default, and a guest whose config says nothing about it (built
 * before security.privileged existed) keeps its privileged mode (issue 15, acceptance 1).
 */
@Tag("kernel")
class DefaultModeKernelTest {
  private static final String KEY = "security.privileged";

  /** The kernel's map of the initial user namespace: every id is itself. */
  private static final String IDENTITY = "0 0 4294967295";

  private static List<String> configLines(TestHost host, GuestName g) throws Exception {
    return Files.readAllLines(host.dirs().guest(g).resolve(ConfigFile.FILE_NAME));
  }

  /** The uid_map of the guest's processes, as they read it: "INSIDE OUTSIDE COUNT". */
  private static String uidMap(TestHost host, GuestName g) {
    TestHost.Run r = host.exec(g, "cat", "/proc/self/uid_map");
    assertThat(r.code()).as(r.output()).isZero();
    return String.join(" ", r.output().strip().split("\\s+"));
  }

  /** The guest's init's real uid, as the host sees it. */
  private static String hostUidOfInit(TestHost host, GuestName g) throws Exception {
    long pid = host.guests().status(g).initPid();
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("Uid:"))
        .findFirst()
        .orElseThrow()
        .split("\\s+")[1];
  }

  @Test
  void aFreshlyBuiltGuestRunsInAUserNamespaceOfItsOwn() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("fresh");
      host.guests().build(g, "busybox"); // what `jvs build fresh` does
      assertThat(configLines(host, g)).contains(KEY + " = false");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      IdRange ids = host.guests().idRange(g).orElseThrow();
      assertThat(ids.base()).isPositive();
      assertThat(uidMap(host, g)).isEqualTo("0 " + ids.base() + " 65536").isNotEqualTo(IDENTITY);
      assertThat(hostUidOfInit(host, g)).isEqualTo(Long.toString(ids.base()));
      assertThat(host.exec(g, "id", "-u").output().strip()).isEqualTo("0");
    }
  }

  @Test
  void aConfigWithoutTheKeyStillStartsPrivilegedAndIsNotRewritten() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("oldguest");
      host.guests().build(g, "busybox");
      Path conf = host.dirs().guest(g).resolve(ConfigFile.FILE_NAME);
      // as jvs wrote it before the key existed
      Files.write(conf, configLines(host, g).stream().filter(l -> !l.startsWith(KEY)).toList());
      List<String> before = configLines(host, g);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(uidMap(host, g)).isEqualTo(IDENTITY);
      assertThat(hostUidOfInit(host, g)).isEqualTo("0");
      assertThat(host.guests().idRange(g)).isEmpty();
      assertThat(new IdRanges(host.dirs().root()).find(g)).as("no range taken").isEmpty();
      host.guests().stop(g, java.time.Duration.ZERO);
      assertThat(configLines(host, g)).as("the upgrade did not change its mode").isEqualTo(before);

      // A clone writes its source's mode out: still privileged, whatever no key comes to mean.
      GuestName copy = GuestName.of("oldcopy");
      host.guests().clone(g, copy);
      assertThat(configLines(host, copy)).contains(KEY + " = true");
      host.guests().start(copy, List.of(), Guests.Attach.DETACHED);
      assertThat(uidMap(host, copy)).isEqualTo(IDENTITY);
    }
  }

  @Test
  void aCloneOfANewGuestIsUnprivilegedAndSetOptsBackIn() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("newsrc");
      host.guests().build(g, "busybox");
      GuestName copy = GuestName.of("newcopy");
      host.guests().clone(g, copy);
      assertThat(configLines(host, copy)).contains(KEY + " = false");
      host.guests().start(copy, List.of(), Guests.Attach.DETACHED);
      IdRange ids = host.guests().idRange(copy).orElseThrow();
      assertThat(uidMap(host, copy)).isEqualTo("0 " + ids.base() + " 65536");
      host.guests().stop(copy, java.time.Duration.ZERO);

      // `jvs set NAME security.privileged=true`: today's VServer mode from its next start
      host.guests().set(copy, Map.of(KEY, "true"));
      assertThat(configLines(host, copy)).contains(KEY + " = true");
      host.guests().start(copy, List.of(), Guests.Attach.DETACHED);
      assertThat(uidMap(host, copy)).isEqualTo(IDENTITY);
      assertThat(hostUidOfInit(host, copy)).isEqualTo("0");
    }
  }
}
