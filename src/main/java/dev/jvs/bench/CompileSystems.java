package dev.jvs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the kernel compile runs on, on one {@link BenchHost}: the cached source tree, the {@link
 * HostUserland} template holding the host's toolchain with the tree hard-linked into it, the native
 * cgroup and runc. Each {@link #build} is a fresh build into an empty output directory: natively
 * from the cached tree into the scratch directory, in a fresh jvs app guest into the guest's own
 * overlayfs layer, in a fresh runc container (read-only root) into a bind-mounted scratch
 * directory.
 */
final class CompileSystems {
  static final String NATIVE = "native";
  static final String JVS = "jvs";
  static final String RUNC = "runc";

  private static final GuestName GUEST = GuestName.of("kbuild");
  private static final String GUEST_OUT = "/kbuild";
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);
  private static final Duration WARM_TIMEOUT = Duration.ofMinutes(10);

  private final BenchHost host;
  private final KernelSource source;
  private final Path script;
  private final Path rootfs;
  private final List<String> nativePrefix;
  private final Optional<OciRuntime> runc;
  private final int jobs;
  private final List<String> notes = new ArrayList<>();
  private int builds;

  private CompileSystems(BenchHost host, KernelSource source, int jobs, Consumer<String> progress) {
    this.host = host;
    this.source = source;
    this.jobs = jobs;
    Path mountPoint;
    try {
      script = host.scratch().resolve("jvs-kbuild.sh");
      Files.writeString(script, KernelBuild.SCRIPT);
      // runc would otherwise create its bind mount's point in the template, after jvs's rounds
      mountPoint = Files.createDirectories(host.scratch().resolve("kbuild-mountpoint"));
    } catch (IOException e) {
      throw new UncheckedIOException("compile setup: " + e.getMessage(), e);
    }
    progress.accept(
        "template "
            + HostUserland.TEMPLATE
            + ": the host's toolchain and the tree, hard-linked (a few seconds, no data blocks)");
    Map<Path, String> extra = new LinkedHashMap<>();
    extra.put(script, KernelBuild.GUEST_SCRIPT);
    extra.put(source.tree(), KernelBuild.GUEST_TREE);
    extra.put(mountPoint, GUEST_OUT);
    rootfs = HostUserland.build(host, HostUserland.FOR_KERNEL_BUILD, extra);
    nativePrefix = MicroBench.inCgroupOfItsOwn(host, Path.of("/bin/sh"));
    runc = OciRuntime.find(RUNC, host.scratch().resolve("runc-state"), host.commands());
    runc.ifPresentOrElse(
        r -> host.onClose(r::deleteAll), () -> notes.add("runc is not installed: no runc column"));
  }

  /** Sets everything up (fetching the tree on first use), or says why this host cannot. */
  static CompileSystems prepare(BenchHost host, int jobs, Consumer<String> progress) {
    KernelSource.missingTools()
        .ifPresent(
            why -> {
              throw new JvsException("compile: " + why);
            });
    return new CompileSystems(host, KernelSource.ensure(host.commands(), progress), jobs, progress);
  }

  /** The systems this host has, native first. */
  List<String> names() {
    return runc.isPresent() ? List.of(NATIVE, JVS, RUNC) : List.of(NATIVE, JVS);
  }

  KernelSource source() {
    return source;
  }

  List<String> notes() {
    return notes;
  }

  /**
   * Reads every file of the tree once, so the first build of the first round does not pay for a
   * cold page cache: all systems read the same inodes (the template's files are hard links).
   */
  void warmPageCache() {
    host.commands()
        .check(
            List.of(
                "/bin/sh",
                "-c",
                "find \"$1\" -type f -exec cat {} + >/dev/null",
                "sh",
                source.tree().toString()),
            WARM_TIMEOUT);
  }

  /** One fresh build on {@code system}; its output is removed afterwards. */
  KernelBuild.Result build(String system) {
    Path out = host.scratch().resolve("kbuild-" + system + "-" + builds++);
    try {
      return switch (system) {
        case NATIVE -> buildNative(out);
        case JVS -> buildInGuest(out);
        case RUNC -> buildInRunc(out);
        default -> throw new IllegalArgumentException(system);
      };
    } finally {
      PgFleet.removeUnmounted(out);
    }
  }

  private KernelBuild.Result buildNative(Path out) {
    List<String> argv = new ArrayList<>(nativePrefix);
    argv.addAll(List.of(script.toString(), source.tree().toString(), out.toString(), "" + jobs));
    return KernelBuild.parse(NATIVE, host.commands().check(argv, BUILD_TIMEOUT));
  }

  private KernelBuild.Result buildInGuest(Path log) {
    Guests guests = host.guests();
    guests.build(GUEST, HostUserland.TEMPLATE);
    try {
      Files.createDirectories(log);
      Path stdout = log.resolve("stdout");
      Path stderr = log.resolve("stderr");
      int code =
          guests.start(
              GUEST,
              List.of(
                  "/bin/sh",
                  KernelBuild.GUEST_SCRIPT,
                  KernelBuild.GUEST_TREE,
                  GUEST_OUT,
                  "" + jobs),
              Guests.Attach.FOREGROUND,
              new Launcher.Stdio(
                  ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
                  ProcessBuilder.Redirect.to(stdout.toFile()),
                  ProcessBuilder.Redirect.to(stderr.toFile())));
      String text = Files.readString(stdout) + Files.readString(stderr);
      if (code != 0) {
        throw new JvsException(GUEST + ": kernel build exited " + code + ": " + text.strip());
      }
      return KernelBuild.parse(JVS, text);
    } catch (IOException e) {
      throw new UncheckedIOException(log + ": " + e.getMessage(), e);
    } finally {
      guests.delete(GUEST, true);
    }
  }

  private KernelBuild.Result buildInRunc(Path dir) {
    OciRuntime r = runc.orElseThrow();
    Path out = dir.resolve("out");
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException(out + ": " + e.getMessage(), e);
    }
    Path bundle =
        r.bundle(
            dir.resolve("bundle"),
            rootfs,
            List.of(
                "/bin/sh", KernelBuild.GUEST_SCRIPT, KernelBuild.GUEST_TREE, GUEST_OUT, "" + jobs));
    confine(bundle.resolve("config.json"), out);
    String id = r.newId("kbuild");
    try {
      return KernelBuild.parse(
          RUNC,
          host.commands().check(r.base("run", "--bundle", bundle.toString(), id), BUILD_TIMEOUT));
    } finally {
      r.deleteAll();
    }
  }

  /** Read-only root (its files are the host's, hard-linked), the output directory bound in. */
  private static void confine(Path config, Path out) {
    try {
      ObjectMapper json = new ObjectMapper();
      ObjectNode spec = (ObjectNode) json.readTree(config.toFile());
      ((ObjectNode) spec.get("root")).put("readonly", true);
      ObjectNode bind = ((ArrayNode) spec.get("mounts")).addObject();
      bind.put("destination", GUEST_OUT);
      bind.put("type", "bind");
      bind.put("source", out.toString());
      bind.putArray("options").add("rbind").add("rw");
      json.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), spec);
    } catch (IOException e) {
      throw new UncheckedIOException(config + ": " + e.getMessage(), e);
    }
  }
}
