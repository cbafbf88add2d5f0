package dev.jvs.guest;

import dev.jvs.base.JvsException;
import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.state.StateStore;
import dev.jvs.image.Templates;
import dev.jvs.kernel.SocketPair;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.net.GuestNetwork;
import dev.jvs.net.NetConfig;
import dev.jvs.net.NetException;
import dev.jvs.net.NetMode;
import dev.jvs.runtime.Checkpoints;
import dev.jvs.runtime.InstanceState;
import dev.jvs.runtime.Instances;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A guest's checkpoint and restore (docs/checkpoint.md): what the runtime core's {@link
 * Checkpoints} needs from a guest (its root overlay, limits, console log), where its images live
 * ($JVS_ROOT/guests/NAME/checkpoint) and their archive. Callers hold the guest's lock.
 */
final class GuestCheckpoints {
  /** The guest's images, beside its private layer. */
  static final String IMAGES = "checkpoint";

  private static final Duration MONITOR_EXIT = Duration.ofSeconds(10);

  /** Beside criu's images: the guest's address when dumped, which its restored eth0 holds. */
  static final String ADDRESS = "jvs-guest-address";

  private final JvsDirs dirs;
  private final Templates templates;
  private final GuestRuns runs;
  private final Checkpoints checkpoints;
  private final GuestNetwork network;

  GuestCheckpoints(
      JvsDirs dirs,
      Templates templates,
      Instances instances,
      GuestRuns runs,
      GuestNetwork network) {
    this.dirs = dirs;
    this.templates = templates;
    this.runs = runs;
    this.network = network;
    this.checkpoints = new Checkpoints(instances);
  }

  Path images(GuestName name) {
    return dirs.guest(name).resolve(IMAGES);
  }

  /**
   * Dumps the running guest into its images (and {@code archive}, a tar, when given); unless {@code
   * leaveRunning} it is stopped by the dump and its run removed.
   */
  void checkpoint(
      GuestName name,
      GuestConfig config,
      InstanceState state,
      boolean leaveRunning,
      Optional<Path> archive) {
    requireSupported(name, config);
    if (GuestOwnership.ownUserNamespace(state.initPid())) { // it runs so, whatever its config
      throw unprivileged(name);
    }
    Path images = images(name);
    checkpoints.dump(runs.instance(name), state, images, leaveRunning);
    recordAddress(name, config, images);
    if (!leaveRunning) {
      // criu killed the tree; its monitor records the end and exits, then the run goes
      runs.stop(name, config, MONITOR_EXIT, () -> {});
    }
    archive.ifPresent(
        file -> tar(name, List.of("-caf", file.toString(), "-C", images.toString(), ".")));
  }

  /**
   * Post-copy (docs/migration.md): dumps the running guest into its images without its memory and
   * hands it over ({@link Checkpoints#dumpLazily}); returns once its memory went elsewhere and the
   * guest is stopped here. On failure it runs here on.
   */
  void checkpointLazily(
      GuestName name, GuestConfig config, InstanceState state, Checkpoints.Handoff handoff) {
    requireSupported(name, config);
    Path images = images(name);
    checkpoints.dumpLazily(
        runs.instance(name),
        state,
        images,
        new Checkpoints.Handoff() {
          @Override
          public void imagesWritten() {
            recordAddress(name, config, images);
            handoff.imagesWritten();
          }

          @Override
          public void pagesServed(SocketPair pages) {
            handoff.pagesServed(pages);
          }
        });
    // criu killed the tree once its memory was fetched; its monitor records the end
    runs.stop(name, config, MONITOR_EXIT, () -> {});
  }

  /** Restores the stopped guest from its images, or from {@code archive} unpacked into them. */
  InstanceState restore(GuestName name, GuestConfig config, Optional<Path> archive) {
    return restore(name, config, archive, Optional.empty());
  }

  /**
   * As above; with {@code lazyPages} a post-copy restore whose memory comes from the source's page
   * server at that address.
   */
  InstanceState restore(
      GuestName name,
      GuestConfig config,
      Optional<Path> archive,
      Optional<InetSocketAddress> lazyPages) {
    requireSupported(name, config);
    Path images = images(name);
    if (archive.isPresent()) {
      if (!Files.isRegularFile(archive.get())) {
        throw new JvsException(name + ": --from: " + archive.get() + ": no such file");
      }
      replaceImages(name, images);
      tar(name, List.of("-xf", archive.get().toString(), "-C", images.toString()));
    }
    if (!Checkpoints.exists(images)) {
      throw new JvsException(
          name + ": no checkpoint in " + images + " (jvs checkpoint " + name + ", or --from FILE)");
    }
    Path guestDir = dirs.guest(name);
    Path lower = templates.ensure(config.template());
    Path run = dirs.runGuest(name);
    try {
      Files.createDirectories(run);
      Files.deleteIfExists(run.resolve(StateStore.EXIT_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + e.getMessage(), e);
    }
    NetConfig net = NetConfig.from(config.resources());
    try {
      List<String> links =
          network.prepareRestore(
              name.value(), config.hostname(), net, address(name, images), run.resolve("etc"));
      InstanceState state =
          checkpoints.restore(
              runs.instance(name),
              images,
              new Checkpoints.Root(
                  "lowerdir="
                      + lower
                      + ",upperdir="
                      + guestDir.resolve("upper")
                      + ",workdir="
                      + guestDir.resolve("work"),
                  guestDir.resolve("rootfs")),
              GuestResources.limits(config.resources()),
              CgroupTuning.none(),
              run.resolve(StateStore.CONSOLE_LOG),
              new Checkpoints.Network(links, bpfDir -> network.unplumb(name.value(), bpfDir)),
              lazyPages);
      try {
        network.completeRestore(name.value(), net, state.initPid());
      } catch (RuntimeException e) {
        runs.stop(name, config, MONITOR_EXIT, () -> {});
        throw e;
      }
      return state;
    } catch (NetException e) {
      runs.cleanup(name); // the network prepared before criu ran, or the restored guest's
      throw new JvsException(name + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      runs.cleanup(name);
      throw e;
    }
  }

  /** A guest on a network plumbed by jvs keeps its address: the dump's eth0 holds it. */
  private void recordAddress(GuestName name, GuestConfig config, Path images) {
    if (NetConfig.from(config.resources()).mode() != NetMode.BRIDGE) {
      return;
    }
    Optional<String> address = network.address(name.value());
    if (address.isPresent()) {
      try {
        Files.writeString(images.resolve(ADDRESS), address.get() + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(name + ": " + images + ": " + e.getMessage(), e);
      }
    }
  }

  private static Optional<String> address(GuestName name, Path images) {
    Path file = images.resolve(ADDRESS);
    try {
      return Files.exists(file) ? Optional.of(Files.readString(file).strip()) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * What criu cannot carry yet: a guest in the host's network stack (host-ip, host: its sockets and
   * hooks live in the host's namespace) and a disk.space image (mounted by the guest's monitor).
   */
  /**
   * An unprivileged guest's restore would mount its template as it is, not idmapped: its root would
   * find the template's files owned by nobody.
   */
  private static JvsException unprivileged(GuestName name) {
    return new JvsException(
        name
            + ": security.privileged=false: checkpoint and restore support privileged guests only"
            + " so far (jvs set "
            + name
            + " security.privileged=true, then restart it; docs/checkpoint.md)");
  }

  private static void requireSupported(GuestName name, GuestConfig config) {
    if (!config.privileged()) {
      throw unprivileged(name);
    }
    NetMode mode = NetConfig.from(config.resources()).mode();
    if (mode != NetMode.NONE && mode != NetMode.BRIDGE) {
      throw new JvsException(
          name
              + ": net.mode "
              + mode.value()
              + ": checkpoint and restore support net.mode none and bridge so far (docs/checkpoint.md)");
    }
    if (config.resources().containsKey("disk.space")) {
      throw new JvsException(
          name + ": disk.space: checkpoint and restore do not support disk images yet");
    }
  }

  /** Empties the images directory (criu's are flat: files only). */
  private static void replaceImages(GuestName name, Path images) {
    try {
      Files.createDirectories(images);
      try (var files = Files.list(images)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + images + ": " + e.getMessage(), e);
    }
  }

  /** GNU tar: -a picks the compression by the archive's name (.tar.zst: zstd), -x detects it. */
  private static void tar(GuestName name, List<String> args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("tar"));
    cmd.addAll(args);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      if (p.waitFor() != 0) {
        throw new JvsException(
            name
                + ": tar "
                + args.get(1)
                + ": "
                + (out.isEmpty() ? "failed" : out.lines().findFirst().get()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": tar: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(name + ": tar interrupted");
    }
  }
}
