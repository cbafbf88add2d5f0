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
import java.util.function.Consumer;

/**
 * What sharing a template saves (issue 4, acceptance 5): the disk the Nth guest of one template
 * adds, and host memory for N guests running the same program (busybox init + shell) from one
 * template against N guests each on its own copy of it (same bytes, different inodes, so the
 * page cache cannot be shared). The page cache is dropped before each half so that every page a
 * guest maps is loaded, and charged to that guest's memory cgroup, during the measurement.
 */
public final class SharingBench {
  private static final Duration SETTLE = Duration.ofSeconds(2);

  /** One half: memory cgroup usage summed over guests, Pss of their processes, page cache growth. */
  public record Memory(long cgroupBytes, long pssBytes, long cacheGrowth) {}

  public record Report(int guests, long templateBytes, long nthGuestBytes, Memory shared,
      Memory separate) {}

  private final BenchHost host;
  private final Consumer<String> progress;

  public SharingBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  public Report run(int n) throws InterruptedException {
    Path template = host.templateRootfs();
    Templates templates = new Templates(host.dirs().templates());
    List<GuestName> shared = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      GuestName g = GuestName.of("shared" + i);
      host.guests().build(g, "busybox");
      shared.add(g);
    }
    progress.accept(n + " guests on one template: starting");
    Memory one = measure(shared);
    List<GuestName> separate = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      host.checkOpen();
      String copy = "copy" + i;
      templates.create(copy, "bench copy", (staging, rootfs) -> {
        run(List.of("cp", "-a", template.toString(), rootfs.toString()));
        return ImageConfig.NONE;
      });
      GuestName g = GuestName.of("separate" + i);
      host.guests().build(g, copy);
      separate.add(g);
    }
    progress.accept(n + " guests on " + n + " copies: starting");
    Memory many = measure(separate);
    return new Report(n, diskUsage(template), diskUsage(host.dirs().guest(shared.getLast())), one,
        many);
  }

  private Memory measure(List<GuestName> guests) throws InterruptedException {
    Guests runtime = host.guests();
    dropPageCache();
    long before = cached();
    for (GuestName g : guests) {
      host.checkOpen();
      runtime.start(g, List.of(), Guests.Attach.DETACHED);
    }
    Thread.sleep(SETTLE.toMillis());
    long growth = cached() - before;
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

  /** The host's page cache (Cached: of /proc/meminfo), in bytes. */
  private static long cached() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream()
          .filter(l -> l.startsWith("Cached:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
          .findFirst().orElseThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void dropPageCache() {
    try {
      run(List.of("sync"));
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
    } catch (IOException e) {
      throw new UncheckedIOException("drop_caches: " + e.getMessage(), e);
    }
  }

  /** Allocated bytes of a tree, each inode once (du). */
  static long diskUsage(Path root) {
    try {
      Process p = new ProcessBuilder("du", "-s", "-B1", root.toString()).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      if (p.waitFor() != 0) {
        throw new IOException("du " + root + " failed");
      }
      return Long.parseLong(out.split("\\s+")[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }
}
