package dev.jvs.bench;

import dev.jvs.cgroup.Cgroup;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.image.ImageConfig;
import dev.jvs.image.Templates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What sharing a template saves (issue 4, acceptance 5): the disk the Nth guest of one template
 * adds, and host memory for N guests running the same program (busybox init + shell) from one
 * template against N guests each on its own copy of it (same bytes, different inodes, so the page
 * cache cannot be shared). The page cache is dropped before each half so that every page a guest
 * maps is loaded, and charged to that guest's memory cgroup, during the measurement.
 */
public final class SharingBench {
  private static final Duration SETTLE = Duration.ofSeconds(2);
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

  /**
   * One half: memory cgroup usage summed over guests, Pss of their processes, page cache growth.
   */
  public record Memory(long cgroupBytes, long pssBytes, long cacheGrowth) {}

  public record Report(
      int guests, long templateBytes, long nthGuestBytes, Memory shared, Memory separate) {}

  private final BenchHost host;
  private final Consumer<String> progress;

  public SharingBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  public Report run(int n) throws InterruptedException {
    return run(n, false);
  }

  /** With {@code unprivileged}, every guest runs with security.privileged=false. */
  public Report run(int n, boolean unprivileged) throws InterruptedException {
    Map<String, String> mode = Map.of("security.privileged", Boolean.toString(!unprivileged));
    Path template = host.templateRootfs();
    Templates templates = new Templates(host.dirs().templates());
    List<GuestName> shared = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      GuestName g = GuestName.of("shared" + i);
      host.guests().build(g, "busybox");
      host.guests().set(g, mode);
      shared.add(g);
    }
    progress.accept(n + " guests on one template: starting");
    Memory one = measure(shared);
    List<GuestName> separate = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      host.checkOpen();
      String copy = "copy" + i;
      templates.create(
          copy,
          "bench copy",
          (staging, rootfs) -> {
            host.commands()
                .check(
                    List.of("cp", "-a", template.toString(), rootfs.toString()), COMMAND_TIMEOUT);
            return ImageConfig.NONE;
          });
      GuestName g = GuestName.of("separate" + i);
      host.guests().build(g, copy);
      host.guests().set(g, mode);
      separate.add(g);
    }
    progress.accept(n + " guests on " + n + " copies: starting");
    Memory many = measure(separate);
    return new Report(
        n, diskUsage(template), diskUsage(host.dirs().guest(shared.getLast())), one, many);
  }

  private Memory measure(List<GuestName> guests) throws InterruptedException {
    Guests runtime = host.guests();
    dropPageCache();
    long before = ProcMemory.pageCache();
    for (GuestName g : guests) {
      host.checkOpen();
      runtime.start(g, List.of(), Guests.Attach.DETACHED);
    }
    Thread.sleep(SETTLE.toMillis());
    long growth = ProcMemory.pageCache() - before;
    long cgroupBytes = 0;
    long pss = 0;
    for (GuestName g : guests) {
      Cgroup cg = host.cgroups().find(host.dirs().cgroupParent(), g.value()).orElseThrow();
      cgroupBytes += Math.max(0, cg.usage().memoryBytes());
      for (long pid : cg.pids()) {
        pss += ProcMemory.pss(pid);
      }
    }
    for (GuestName g : guests) {
      runtime.stop(g, Duration.ZERO);
    }
    return new Memory(cgroupBytes, pss, growth);
  }

  private void dropPageCache() {
    host.commands().check(List.of("sync"), COMMAND_TIMEOUT);
    try {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
    } catch (IOException e) {
      throw new UncheckedIOException("drop_caches: " + e.getMessage(), e);
    }
  }

  /** Allocated bytes of a tree, each inode once (du). */
  private long diskUsage(Path root) {
    String out =
        host.commands().check(List.of("du", "-s", "-B1", root.toString()), COMMAND_TIMEOUT);
    return Long.parseLong(out.strip().split("\\s+")[0]);
  }
}
