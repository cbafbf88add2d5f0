package dev.jvs.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attack suite (issue 15, item 6): one guest's root runs each attack of
 * src/test/c/attack-guest.c in turn; each must be refused inside the guest AND leave the host as it
 * was ({@link HostState} before and after: kernel settings, the guest's cgroup limits, the host's
 * hostname and clock, the runtime binary, a directory of host files, and a marker looked for in the
 * host's mount table, keyrings and kernel log). One guest serves all attacks: an attack that got
 * through would show on the host, which is what is checked, and the guest's own state is not what
 * the attacks are after.
 */
@Tag("kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttackSuiteKernelTest {
  private static final String MARK =
      "jvs-attack-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  private static final String FAIL = "fail \\S+.*";

  /** The kernel refused for want of a capability or by the seccomp filter. */
  private static final String DENIED = "fail (EPERM|EACCES).*";

  private TestHost host;
  private GuestName g;
  private Path hostFiles;
  private List<Path> cgroups;
  private Process hostProcess;

  /**
   * An attack: a name for the report, the probe's arguments ({mark}, {hostfile}, {hostpid} are
   * filled in), and what its result line must say after the mode's name.
   */
  record Attack(String name, List<String> args, String outcome) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Attack> attacks() {
    List<Attack> a = new ArrayList<>();
    // mount, umount and pivot_root tricks
    a.add(at("mount a tmpfs", DENIED, "mount-tmpfs", "{mark}"));
    a.add(at("bind-mount / elsewhere", DENIED, "mount-bind-root"));
    a.add(at("remount /proc/sys read-write", DENIED, "remount-proc-sys"));
    a.add(at("mount a fresh procfs", DENIED, "mount-proc"));
    a.add(at("mount a fresh sysfs", DENIED, "mount-sysfs"));
    a.add(at("mount a cgroup v1 hierarchy (CVE-2022-0492)", DENIED, "mount-cgroup1"));
    a.add(at("umount /proc/sys", DENIED, "umount", "/proc/sys"));
    a.add(at("umount the mask of /proc/kcore", DENIED, "umount", "/proc/kcore"));
    a.add(at("umount the mask of /sys/firmware", DENIED, "umount", "/sys/firmware"));
    a.add(at("pivot_root(., .)", DENIED, "pivot-root"));
    a.add(at("fsopen tmpfs (new mount API)", DENIED, "fsopen"));
    a.add(at("open_tree clone of /", DENIED, "open-tree"));
    a.add(at("mount_setattr: /proc/sys read-write", DENIED, "mount-setattr"));
    a.add(at("chroot and climb out", "fail ENOENT", "chroot-escape", "{hostfile}"));
    // writes to /proc and /sys
    a.add(at("write /proc/sysrq-trigger", FAIL, "write", "/proc/sysrq-trigger", "h"));
    a.add(
        at(
            "write kernel.core_pattern",
            FAIL,
            "write",
            "/proc/sys/kernel/core_pattern",
            "|/tmp/{mark}"));
    a.add(at("write kernel.modprobe", FAIL, "write", "/proc/sys/kernel/modprobe", "/tmp/{mark}"));
    a.add(at("write kernel.sysrq", FAIL, "write", "/proc/sys/kernel/sysrq", "176"));
    a.add(
        at(
            "write kernel.randomize_va_space",
            FAIL,
            "write",
            "/proc/sys/kernel/randomize_va_space",
            "1"));
    a.add(at("write vm.overcommit_memory", FAIL, "write", "/proc/sys/vm/overcommit_memory", "1"));
    a.add(
        at(
            "write fs.inotify.max_user_instances",
            FAIL,
            "write",
            "/proc/sys/fs/inotify/max_user_instances",
            "1048599"));
    a.add(
        at(
            "write /sys/kernel/uevent_helper",
            FAIL,
            "write",
            "/sys/kernel/uevent_helper",
            "/tmp/{mark}"));
    // its own cgroup limits, as the guest sees them (v2 or v1), and v1's release_agent
    a.add(at("raise its own memory.max (v2)", FAIL, "write", "/sys/fs/cgroup/memory.max", "max"));
    a.add(at("raise its own pids.max (v2)", FAIL, "write", "/sys/fs/cgroup/pids.max", "max"));
    a.add(
        at(
            "raise its own memory limit (v1)",
            FAIL,
            "write",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "-1"));
    a.add(at("raise its own pids.max (v1)", FAIL, "write", "/sys/fs/cgroup/pids/pids.max", "max"));
    a.add(
        at(
            "set a release_agent (CVE-2022-0492)",
            FAIL,
            "write",
            "/sys/fs/cgroup/memory/release_agent",
            "/tmp/{mark}"));
    a.add(
        at(
            "ask for release notification (CVE-2022-0492)",
            FAIL,
            "write",
            "/sys/fs/cgroup/memory/notify_on_release",
            "1"));
    a.add(at("write /dev/kmsg", FAIL, "write", "/dev/kmsg", "{mark}"));
    a.add(at("read /proc/kcore", FAIL, "read", "/proc/kcore"));
    a.add(at("read /proc/kmsg", FAIL, "read", "/proc/kmsg"));
    a.add(at("read /proc/keys", FAIL, "read", "/proc/keys"));
    a.add(at("read /dev/mem", FAIL, "read", "/dev/mem"));
    // mknod: the node may be made, never opened
    a.add(at("mknod and open /dev/mem", FAIL, "mknod-open", "c", "1", "1"));
    a.add(at("mknod and open /dev/kmem", FAIL, "mknod-open", "c", "1", "2"));
    a.add(at("mknod and open /dev/port", FAIL, "mknod-open", "c", "1", "4"));
    a.add(at("mknod and open /dev/kmsg", FAIL, "mknod-open", "c", "1", "11"));
    a.add(
        at(
            "mknod and open the host's disk",
            FAIL,
            "mknod-open",
            "b",
            "{rootmajor}",
            "{rootminor}"));
    // kernel objects
    a.add(at("init_module", DENIED, "init-module"));
    a.add(at("finit_module", DENIED, "finit-module"));
    a.add(at("delete_module", DENIED, "delete-module"));
    a.add(at("bpf map", DENIED, "bpf-map"));
    a.add(at("bpf program", DENIED, "bpf-prog"));
    a.add(at("perf_event_open on every process of a CPU", DENIED, "perf-open"));
    a.add(at("add_key into root's keyring", DENIED, "add-key", "{mark}"));
    a.add(at("keyctl join a session keyring", DENIED, "keyctl-join", "{mark}"));
    a.add(at("request_key", DENIED, "request-key", "{mark}"));
    a.add(at("userfaultfd", DENIED, "userfaultfd"));
    a.add(at("io_uring_setup", DENIED, "io-uring"));
    a.add(at("open_by_handle_at (shocker)", DENIED, "shocker"));
    // host processes: invisible and out of reach
    a.add(at("see a host process", "fail ENOENT", "proc-scan", "{mark}"));
    a.add(at("ptrace a host process", FAIL, "ptrace-host", "{hostpid}"));
    a.add(at("signal a host process", "fail ESRCH", "kill-host", "{hostpid}"));
    a.add(at("pidfd_open a host process", "fail ESRCH", "pidfd-host", "{hostpid}"));
    a.add(at("process_vm_readv a host process", FAIL, "vm-read-host", "{hostpid}", "0x400000"));
    a.add(
        at(
            "climb out of a leaked fd or cwd (CVE-2024-21626)",
            "fail ENOENT.*",
            "fd-leak",
            "{hostfile}"));
    // clock and names: the host's are not the guest's
    a.add(at("clock_settime", DENIED, "clock-settime"));
    a.add(at("settimeofday", DENIED, "settimeofday"));
    a.add(at("adjtimex", DENIED, "adjtimex"));
    a.add(at("sethostname", DENIED, "sethostname", "{mark}"));
    a.add(at("setdomainname", DENIED, "setdomainname", "{mark}"));
    // raw sockets
    a.add(at("raw IP socket", DENIED, "raw-socket"));
    a.add(at("packet socket", DENIED, "packet-socket"));
    return a.stream();
  }

  /** The guest's mode; {@link UnprivilegedAttackSuiteKernelTest} runs every attack in the other. */
  boolean privileged() {
    return true;
  }

  private static Attack at(String name, String outcome, String... args) {
    return new Attack(name, List.of(args), outcome);
  }

  @BeforeAll
  void startTheGuest() throws IOException {
    host = new TestHost();
    hostFiles = host.base().resolve("host-files");
    Files.createDirectories(hostFiles);
    Files.writeString(hostFiles.resolve("secret"), MARK + "\n");
    g = GuestName.of("attacked");
    host.guests().build(g, "busybox");
    host.guests()
        .set(
            g,
            Map.of(
                "memory.rss",
                "256M",
                "pids.max",
                "200",
                "security.privileged",
                Boolean.toString(privileged())));
    host.installProbe(g, "attack-guest");
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    long init = host.guests().status(g).initPid();
    assertThat(Files.readString(Path.of("/proc/" + init + "/status")).contains("\nUid:\t0\t"))
        .as("guest root is host root")
        .isEqualTo(privileged());
    cgroups = cgroupsOf(init);
    // A host process with the marker in its command line: the target of the process attacks.
    hostProcess = new ProcessBuilder("sh", "-c", "sleep 600", MARK).start();
  }

  @AfterAll
  void stopTheGuest() throws InterruptedException {
    if (hostProcess != null) {
      hostProcess.destroyForcibly();
      hostProcess.waitFor(10, TimeUnit.SECONDS);
    }
    if (host != null) {
      host.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void theAttackFailsAndTheHostIsUnchanged(Attack attack) throws Exception {
    List<String> args = attack.args().stream().map(this::fill).toList();
    HostState before = state();
    Duration clockBefore = HostState.clockOffset();
    List<String> argv = new ArrayList<>(List.of("/attack-guest"));
    argv.addAll(args);
    String out = host.exec(g, argv.toArray(String[]::new)).output().strip();
    HostState after = state();
    after.restore(before); // should an attack have got through, the host gets its settings back
    System.out.println("attack " + attack.name() + ": " + out);
    assertThat(out).as(attack.name()).matches(args.getFirst() + " " + attack.outcome());
    assertThat(before.differences(after))
        .as("what %s changed on the host", attack.name())
        .isEmpty();
    assertThat(HostState.clockOffset().minus(clockBefore).abs())
        .as("the host's clock after %s", attack.name())
        .isLessThan(Duration.ofSeconds(1));
    assertThat(AttackHost.onHost("find-key", MARK).output()).isEqualTo("find-key none ENOKEY");
    assertThat(hostProcess.isAlive()).as("the host process").isTrue();
  }

  /** The check itself: a host file changed under the snapshot's directory is a difference. */
  @org.junit.jupiter.api.Test
  void theHostStateSeesAChangedHostFile() throws IOException {
    HostState before = state();
    Path planted = hostFiles.resolve("planted");
    Files.writeString(planted, MARK);
    try {
      assertThat(before.differences(state())).hasSize(1);
    } finally {
      Files.delete(planted);
    }
    assertThat(before.differences(state())).isEmpty();
  }

  private HostState state() {
    return HostState.take(MARK, hostFiles, TestHost.initBinary(), cgroups);
  }

  /** The host directories of a process's cgroups: v2's one, or one per v1 controller. */
  private static List<Path> cgroupsOf(long pid) throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
      String[] f = line.split(":", 3);
      if (f[1].isEmpty()) {
        dirs.add(Path.of("/sys/fs/cgroup" + f[2]));
      }
      for (String controller : f[1].split(",")) {
        Path dir = Path.of("/sys/fs/cgroup", controller + f[2]);
        if (!controller.isEmpty() && Files.isDirectory(dir)) {
          dirs.add(dir);
        }
      }
    }
    assertThat(dirs).as("cgroups of the guest's init").isNotEmpty();
    return dirs;
  }

  private String fill(String arg) {
    long dev = rootDevice();
    return arg.replace("{mark}", MARK)
        .replace("{hostfile}", hostFiles.resolve("secret").toString())
        .replace("{hostpid}", Long.toString(hostProcess.pid()))
        .replace("{rootmajor}", Long.toString(dev >> 8 & 0xfff))
        .replace("{rootminor}", Long.toString(dev & 0xff | (dev >> 12 & 0xfff00)));
  }

  /** The device number of the host's root filesystem (st_dev of /). */
  private static long rootDevice() {
    try {
      return ((Number) Files.getAttribute(Path.of("/"), "unix:dev")).longValue();
    } catch (IOException | UnsupportedOperationException e) {
      return (8L << 8); // sda
    }
  }
}
