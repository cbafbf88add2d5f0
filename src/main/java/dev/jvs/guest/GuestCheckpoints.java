package dev.jvs.guest;

import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.config.Values;
import dev.jvs.guest.state.StateStore;
import dev.jvs.image.DiskImage;
import dev.jvs.image.LoopDevice;
import dev.jvs.image.Templates;
import dev.jvs.kernel.SocketPair;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.net.GuestNetwork;
import dev.jvs.net.NetConfig;
import dev.jvs.net.NetException;
import dev.jvs.net.NetMode;
import dev.jvs.runtime.Checkpoints;
import dev.jvs.runtime.InstanceState;
import dev.jvs.runtime.Instances;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
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

  /**
   * A system guest's daemons hold file locks (Debian's cron its pid file): criu dumps and restores
   * them only when asked, and otherwise refuses the dump.
   */
  private static final List<String> CRIU_OPTIONS = List.of("--file-locks");

  /** Beside criu's images: the guest's address when dumped, which its restored eth0 holds. */
  static final String ADDRESS = "jvs-guest-address";

  /**
   * Beside criu's images: the id map of a guest that ran in a user namespace of its own ("0 BASE
   * 65536"), which criu gives the restored namespace and the restore's root is idmapped with.
   */
  static final String IDS = "jvs-guest-ids";

  private final JvsDirs dirs;
  private final Templates templates;
  private final GuestRuns runs;
  private final Checkpoints checkpoints;
  private final GuestNetwork network;
  private final IdRanges idRanges;

  GuestCheckpoints(
      JvsDirs dirs,
      Templates templates,
      Instances instances,
      GuestRuns runs,
      GuestNetwork network,
      IdRanges idRanges) {
    this.dirs = dirs;
    this.idRanges = idRanges;
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
    Path images = images(name);
    // written beside the last checkpoint, which a failed dump must not cost
    Path written = images.resolveSibling(IMAGES + ".partial");
    Optional<IdRange> ids = runningIds(name, state); // before the dump: it may end the guest
    Optional<String> address = leasedAddress(name, config); // read before the freeze
    DumpNetwork net = dumpNetwork(config, state, ids);
    checkpoints.dump(
        runs.instance(name),
        state,
        written,
        leaveRunning,
        net.criuOptions(),
        runningConfinement(name, state));
    recordAddress(name, address, written);
    recordIds(name, ids, written);
    net.record(written);
    replaceImages(name, images);
    try {
      Files.delete(images);
      Files.move(written, images, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + images + ": " + e.getMessage(), e);
    }
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
    requireOwnNetwork(name, state);
    Path images = images(name);
    Optional<IdRange> ids = runningIds(name, state);
    Optional<String> address = leasedAddress(name, config); // read before the freeze
    DumpNetwork net = dumpNetwork(config, state, ids);
    checkpoints.dumpLazily(
        runs.instance(name),
        state,
        images,
        new Checkpoints.Handoff() {
          @Override
          public void imagesWritten(long frozenAt) {
            recordAddress(name, address, images);
            recordIds(name, ids, images);
            net.record(images);
            handoff.imagesWritten(frozenAt);
          }

          @Override
          public void pagesServed(SocketPair pages) {
            handoff.pagesServed(pages);
          }
        },
        net.criuOptions());
    // criu killed the tree once its memory was fetched; its monitor records the end
    runs.stop(name, config, MONITOR_EXIT, () -> {});
  }

  /**
   * criu's options for a dump, with the guest's network namespace left out where jvs alone
   * configured it ({@link ExternalNetwork}), and what to record beside the images then; all read
   * before the freeze.
   */
  private record DumpNetwork(List<String> criuOptions, Optional<ExternalNetwork.Recorded> left) {
    void record(Path images) {
      left.ifPresent(r -> ExternalNetwork.record(images, r.mac()));
    }
  }

  private static DumpNetwork dumpNetwork(
      GuestConfig config, InstanceState state, Optional<IdRange> ids) {
    NetMode mode = NetConfig.from(config.resources()).mode();
    Optional<ExternalNetwork.Recorded> left =
        ExternalNetwork.applies(mode, state.initPid(), ids.isPresent());
    if (left.isEmpty()) {
      return new DumpNetwork(CRIU_OPTIONS, left);
    }
    List<String> options = new ArrayList<>(CRIU_OPTIONS);
    options.addAll(ExternalNetwork.dumpOptions(state.initPid()));
    return new DumpNetwork(options, left);
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
    NetConfig net = NetConfig.from(config.resources());
    Checkpoints.requireNetwork(name.toString(), images, !net.mode().ownStack());
    Path guestDir = dirs.guest(name);
    Path lower = templates.ensure(config.template());
    Path run = dirs.runGuest(name);
    // As it ran when dumped, whatever its config says now: criu recreates its user namespace.
    Optional<IdRange> ids = recordedIds(name, images).map(base -> claim(name, base));
    try {
      Files.createDirectories(run);
      Files.deleteIfExists(run.resolve(StateStore.EXIT_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + e.getMessage(), e);
    }
    // disk.space: jvs holds the image's loop device until criu's namespace has mounted it; an
    // image made here is seeded as a start seeds it (an unprivileged guest's files shifted back)
    String space = config.resources().get("disk.space");
    DiskImage.Seeding seeding =
        ids.<DiskImage.Seeding>map(r -> upper -> IdShift.toGuestIds(upper, r))
            .orElse(DiskImage.Seeding.AS_IS);
    try (LoopDevice disk =
        space == null
            ? null
            : LoopDevice.attach(DiskImage.ensure(guestDir, Values.size(space), seeding))) {
      GuestPlans.Layout layout = GuestPlans.Layout.of(lower, guestDir, run, disk);
      Trace.mark("template, ids, run dir");
      Optional<ExternalNetwork.Recorded> left = ExternalNetwork.recorded(name, images);
      Checkpoints.Network restoredNetwork =
          left.isPresent()
              ? ownNetwork(name, config, net, images, layout, left.get())
              : preparedNetwork(name, config, net, images, layout, ids);
      ids.ifPresent(
          r -> {
            GuestOwnership.prepare(name, layout, r);
            GuestOwnership.ownFilesIn(layout.etc(), r); // bound over its /etc, as at a start
          });
      Trace.mark("network prepared");
      CgroupLimits limits = GuestResources.limits(config.resources());
      if (disk != null && ids.isEmpty()) { // criu's namespace mounts the image: that device
        limits = limits.withDevices(disk.allowedWith(GuestResources.DEVICES));
      }
      InstanceState state =
          checkpoints.restore(
              runs.instance(name),
              images,
              root(layout, ids),
              limits,
              CgroupTuning.none(),
              new Checkpoints.Mode(
                  consoleOutput(config, run, ids),
                  restoredNetwork,
                  false,
                  CRIU_OPTIONS,
                  lazyPages,
                  confinement(name, net)));
      if (left.isEmpty()) { // a namespace of jvs's making was complete before criu ran
        try {
          network.completeRestore(name.value(), net, state.initPid());
        } catch (RuntimeException e) {
          runs.stop(name, config, MONITOR_EXIT, () -> {});
          throw e;
        }
        Trace.mark("network completed");
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

  /**
   * The network of a restore whose checkpoint holds the guest's namespace: what a start makes
   * outside it, prepared on the host before criu runs, for criu to recreate the namespace.
   */
  private Checkpoints.Network preparedNetwork(
      GuestName name,
      GuestConfig config,
      NetConfig net,
      Path images,
      GuestPlans.Layout layout,
      Optional<IdRange> ids) {
    List<String> links =
        network.prepareRestore(
            name.value(),
            config.hostname(),
            net,
            address(name, images),
            layout.etc(),
            ids.isPresent());
    return new Checkpoints.Network(
        links,
        net.mode() == NetMode.HOST_IP
            ? bpfDir -> network.restoreInCgroup(name.value(), net, bpfDir)
            : Checkpoints.InCgroup.NONE,
        bpfDir -> network.unplumb(name.value(), bpfDir));
  }

  /**
   * The network of a restore whose checkpoint left the guest's namespace out: made by criu's launch
   * and plumbed here as a start plumbs it, its eth0 with the address and MAC it had.
   */
  private Checkpoints.Network ownNetwork(
      GuestName name,
      GuestConfig config,
      NetConfig net,
      Path images,
      GuestPlans.Layout layout,
      ExternalNetwork.Recorded left) {
    if (left.mac().isPresent() != (net.mode() == NetMode.BRIDGE)) {
      throw new JvsException(
          name
              + ": its checkpoint was made "
              + (left.mac().isPresent() ? "on a bridge" : "without a network")
              + ", and net.mode is "
              + net.mode().value()
              + " now");
    }
    Optional<String> address = address(name, images);
    return Checkpoints.Network.ownNamespace(
        pid ->
            network.plumbRestored(
                name.value(), config.hostname(), net, address, left.mac(), pid, layout.etc()),
        bpfDir -> network.unplumb(name.value(), bpfDir));
  }

  /**
   * The restored guest's console, as its start has it: its log (rotated as configured), through
   * pipes its root owns.
   */
  private static Checkpoints.Output consoleOutput(
      GuestConfig config, Path run, Optional<IdRange> ids) {
    GuestResources.ConsoleLog log = GuestResources.console(config.resources());
    return Checkpoints.Output.logTo(
        new Plan.Log(
            run.resolve(StateStore.CONSOLE_LOG),
            log.maxBytes(),
            log.files(),
            ids.map(r -> new Plan.PipeOwner(r.host(0), r.host(0))).orElse(null)));
  }

  /**
   * The root as the guest's start mounts it: the overlay (on its disk.space image's filesystem when
   * it has one), with the template idmapped through the guest's id range when it ran in a user
   * namespace.
   */
  private static Checkpoints.Root root(GuestPlans.Layout layout, Optional<IdRange> ids) {
    if (ids.isPresent()) {
      return Checkpoints.Root.inUserNamespace(layout.overlay(true), ids.get().map());
    }
    String overlay =
        "lowerdir=" + layout.lower() + ",upperdir=" + layout.upper() + ",workdir=" + layout.work();
    return layout.disk() == null
        ? new Checkpoints.Root(overlay, layout.mountPoint())
        : Checkpoints.Root.onDisk(overlay, layout.mountPoint(), layout.disk(), layout.diskMount());
  }

  /**
   * The id range of a guest that runs in a user namespace of its own (unprivileged, or set
   * privileged since its start), as the kernel maps it; empty when it runs as host root.
   */
  private static Optional<IdRange> runningIds(GuestName name, InstanceState state) {
    return runningIds(name, state.initPid());
  }

  /** As above, for the guest whose init is {@code initPid}. */
  static Optional<IdRange> runningIds(GuestName name, long initPid) {
    if (!GuestOwnership.ownUserNamespace(initPid)) {
      return Optional.empty();
    }
    Plan.PipeOwner root = GuestOwnership.rootOf(initPid);
    if (root == null || root.uid() != root.gid()) {
      throw new JvsException(
          name + ": its user namespace maps no root, or root's uid and gid differ: not jvs's map");
    }
    return Optional.of(new IdRange(root.uid(), IdRange.SIZE));
  }

  /** A guest dumped with its user namespace: its map goes beside the images. */
  private static void recordIds(GuestName name, Optional<IdRange> ids, Path images) {
    if (ids.isEmpty()) {
      return;
    }
    try {
      Files.writeString(images.resolve(IDS), ids.get().map());
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + images + ": " + e.getMessage(), e);
    }
  }

  /** The base of the id range the dumped guest ran with; empty when it ran as host root. */
  private static Optional<Long> recordedIds(GuestName name, Path images) {
    Path file = images.resolve(IDS);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      String[] f = Files.readString(file).strip().split("\\s+");
      if (f.length != 3 || !f[0].equals("0") || Long.parseLong(f[2]) != IdRange.SIZE) {
        throw new JvsException(name + ": " + file + ": expected '0 BASE " + IdRange.SIZE + "'");
      }
      return Optional.of(Long.parseLong(f[1]));
    } catch (NumberFormatException e) {
      throw new JvsException(name + ": " + file + ": expected '0 BASE " + IdRange.SIZE + "'");
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The range the dump recorded, which criu gives the restored namespace from its images: the
   * guest's own here, or claimed for it when it has none (a migrated guest); a range another guest
   * of this host holds is refused in one line.
   */
  private IdRange claim(GuestName name, long base) {
    return idRanges.claim(name, new IdRange(base, IdRange.SIZE));
  }

  /**
   * The address a bridge or host-ip guest holds, which its checkpoint records: a guest on a network
   * plumbed by jvs keeps its address (the dump's eth0 holds it, bridge, or its sockets are bound to
   * it on the host, host-ip). Read under the network's lock, so before the freeze, not while the
   * guest is frozen.
   */
  private Optional<String> leasedAddress(GuestName name, GuestConfig config) {
    NetMode mode = NetConfig.from(config.resources()).mode();
    if (mode != NetMode.BRIDGE && mode != NetMode.HOST_IP) {
      return Optional.empty();
    }
    return network.address(name.value());
  }

  private static void recordAddress(GuestName name, Optional<String> address, Path images) {
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
   * How the running guest is confined, as criu must know it: in the host's network stack when its
   * init shares this process's network namespace; then in its monitor's Landlock domain where this
   * kernel scopes abstract sockets (as its start decided, {@link GuestPlans#landlockScopes}).
   */
  private Checkpoints.Confinement runningConfinement(GuestName name, InstanceState state) {
    boolean hostNetwork = inHostNetwork(name, state.initPid());
    return new Checkpoints.Confinement(
        hostNetwork,
        GuestPlans.landlockScopes(!hostNetwork),
        dirs.runGuest(name).resolve(StateStore.EXIT_FILE));
  }

  /** How a restore confines the guest: as a start in its net.mode would. */
  private Checkpoints.Confinement confinement(GuestName name, NetConfig net) {
    return new Checkpoints.Confinement(
        !net.mode().ownStack(),
        GuestPlans.landlockScopes(net.mode().ownStack()),
        dirs.runGuest(name).resolve(StateStore.EXIT_FILE));
  }

  private static boolean inHostNetwork(GuestName name, long initPid) {
    try {
      return Namespace.NET.isOurs(initPid);
    } catch (IOException e) {
      throw new JvsException(name + ": its init's network namespace: " + e.getMessage(), e);
    }
  }

  /**
   * A migration carries a guest in a network namespace of its own only: one in the host's stack
   * lives on this host's addresses and ports.
   */
  private static void requireOwnNetwork(GuestName name, InstanceState state) {
    if (inHostNetwork(name, state.initPid())) {
      throw new JvsException(
          name
              + ": it runs in the host's network stack (net.mode host-ip or host): only a guest"
              + " with a network of its own migrates");
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
