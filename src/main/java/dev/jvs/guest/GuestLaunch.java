package dev.jvs.guest;

import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.config.Values;
import dev.jvs.guest.state.GuestState;
import dev.jvs.guest.state.StateStore;
import dev.jvs.image.DiskImage;
import dev.jvs.image.GuestUser;
import dev.jvs.image.ImageConfig;
import dev.jvs.image.LoopDevice;
import dev.jvs.image.Templates;
import dev.jvs.kernel.Capability;
import dev.jvs.kernel.Errno;
import dev.jvs.launch.Launcher;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.net.GuestNetwork;
import dev.jvs.net.NetConfig;
import dev.jvs.runtime.Instances;
import dev.jvs.runtime.LaunchFailure;
import dev.jvs.runtime.Plan;
import dev.jvs.runtime.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a guest's config into a running process through the runtime core: disk image, plan, limits,
 * networking, all undone if any step fails. Callers hold the guest's lock.
 */
final class GuestLaunch {
  private final JvsDirs dirs;
  private final Instances instances;
  private final GuestPlans plans;
  private final Templates templates;
  private final GuestNetwork network;
  private final GuestRuns runs;
  private final GuestScripts scripts;
  private final IdRanges idRanges;

  GuestLaunch(
      JvsDirs dirs,
      Instances instances,
      GuestPlans plans,
      Templates templates,
      GuestNetwork network,
      GuestRuns runs,
      GuestScripts scripts,
      IdRanges idRanges) {
    this.dirs = dirs;
    this.instances = instances;
    this.plans = plans;
    this.templates = templates;
    this.network = network;
    this.runs = runs;
    this.scripts = scripts;
    this.idRanges = idRanges;
  }

  /** Starts the guest's first process ({@code argv}); on failure nothing of it is left. */
  Run start(
      GuestName name,
      GuestConfig config,
      List<String> argv,
      boolean application,
      boolean detached,
      Launcher.Stdio foregroundStdio,
      ImageConfig image) {
    checkCapabilities(name, config);
    HostLimits.checkMemlock(name, config.resources());
    RootQuotas.raise();
    Trace.mark("host checks");
    Path guestDir = dirs.guest(name);
    // disk.space: the private layer lives on the guest's own ext4 image (docs/templates.md).
    String space = config.resources().get("disk.space");
    try (LoopDevice disk =
        space == null
            ? null
            : LoopDevice.attach(
                DiskImage.ensure(guestDir, Values.size(space), seeding(name, config)))) {
      return start(name, config, argv, application, detached, foregroundStdio, image, disk);
    }
  }

  /**
   * An image holds the guest's own ids (seen through an idmapped mount when it is unprivileged):
   * the private files of a guest that ran unprivileged go into it shifted back from its range.
   * Asked only for a disk image: the id range file has a line for every guest.
   */
  private DiskImage.Seeding seeding(GuestName name, GuestConfig config) {
    Optional<IdRange> ran = config.privileged() ? Optional.empty() : idRanges.find(name);
    return ran.<DiskImage.Seeding>map(r -> upper -> IdShift.toGuestIds(upper, r))
        .orElse(DiskImage.Seeding.AS_IS);
  }

  /** The launch proper, with the guest's disk.space device attached (or null without one). */
  private Run start(
      GuestName name,
      GuestConfig config,
      List<String> argv,
      boolean application,
      boolean detached,
      Launcher.Stdio foregroundStdio,
      ImageConfig image,
      LoopDevice disk) {
    Path run = dirs.runGuest(name);
    Path guestDir = dirs.guest(name);
    Path lower = templates.ensure(config.template());
    GuestPlans.Layout layout = GuestPlans.Layout.of(lower, guestDir, run, disk);
    try {
      Files.createDirectories(run);
      Files.createDirectories(layout.upper().getParent()); // the guest's dir, or its image's root
      Files.deleteIfExists(run.resolve(StateStore.EXIT_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + e.getMessage(), e);
    }
    IdRange ids = config.privileged() ? null : idRanges.acquire(name);
    if (ids != null) {
      GuestOwnership.prepare(name, layout, ids);
    }
    GuestUser user = GuestUser.resolve(image.user(), lower);
    CgroupLimits limits =
        CpuView.narrowed(name, config.resources(), GuestResources.limits(config.resources()));
    if (disk != null && ids == null) { // the child mounts the guest's disk image: that device
      limits = limits.withDevices(disk.allowedWith(GuestResources.DEVICES));
    }
    NetConfig net = NetConfig.from(config.resources());
    Trace.mark("guest plan inputs (run dir, user, limits)");
    try {
      return instances.start(
          runs.instance(name),
          plans.start(
              config,
              layout,
              argv,
              detached,
              new GuestPlans.Process(image.env(), image.workingDir(), user.uid(), user.gid()),
              ids),
          limits,
          CgroupTuning.none(),
          detached ? Launcher.Stdio.none() : foregroundStdio, // the monitor writes the log
          Map.of(
              GuestState.APPLICATION,
              Boolean.toString(application),
              GuestRuns.NET_MODE,
              net.mode().value()),
          started -> {
            network.plumb(
                name.value(),
                config.hostname(),
                net,
                started.childPid(),
                started.bpfDir(),
                layout.etc());
            if (ids != null) { // bound over its /etc: its root may edit them, as a privileged one
              GuestOwnership.ownFilesIn(layout.etc(), ids);
            }
            // pre-start: the guest's namespaces, cgroup and network exist, its init waits for go
            scripts
                .run(
                    name,
                    GuestScripts.Event.PRE_START,
                    config,
                    java.util.OptionalLong.of(started.childPid()))
                .ifPresent(
                    failure -> {
                      throw new JvsException(failure);
                    });
          },
          bpfDir -> network.unplumb(name.value(), bpfDir));
    } catch (LaunchFailure | RuntimeException e) {
      if (e instanceof JvsException j && j.getMessage().startsWith(name + ":")) {
        throw j;
      }
      throw new JvsException(name + ": " + e.getMessage() + repairHint(e, layout), e);
    }
  }

  /** Runs {@code argv} in the running guest whose init is {@code initPid}, in its cgroup. */
  Run exec(
      GuestName name,
      GuestConfig config,
      long initPid,
      List<String> argv,
      boolean tty,
      String term,
      Launcher.Stdio stdio)
      throws LaunchFailure {
    // The guest's monitor forks the exec's (inside its Landlock domain); a guest whose monitor
    // predates exec sockets gets one of this process's.
    boolean userNs = GuestOwnership.ownUserNamespace(initPid);
    Plan.PipeOwner root = userNs ? GuestOwnership.rootOf(initPid) : null;
    return instances.exec(
        runs.instance(name),
        plans.exec(config, initPid, argv, tty, term, userNs, root),
        stdio,
        started -> {});
  }

  /**
   * What to do when a directory jvs mounts on (/etc, /proc, /dev, …) is something else in the
   * guest's tree: the guest made it so, and only the host can repair it.
   */
  private static String repairHint(Exception e, GuestPlans.Layout layout) {
    if (!(e instanceof LaunchFailure l) || l.operation() == null) {
      return "";
    }
    String path;
    if (l.operation().equals("mkdir") && l.errno() == Errno.EEXIST) {
      path = l.fields().getFirst();
    } else if (l.operation().equals("mount") && l.errno() == Errno.ELOOP) { // proc, sysfs
      path = l.fields().get(1);
    } else {
      return "";
    }
    return " (the guest's /"
        + path
        + " is a symlink or a file, not a directory; to repair it,"
        + " remove "
        + layout.upper().resolve(path)
        + " on the host"
        + (layout.disk() == null ? "" : ", inside the guest's disk image")
        + ")";
  }

  private static void checkCapabilities(GuestName name, GuestConfig config) {
    long missing = Capability.mask(config.capabilities()) & ~Capability.hostBoundingMask();
    for (Capability c : config.capabilities()) {
      if ((missing & (1L << c.number())) != 0) {
        throw new JvsException(
            name
                + ": caps.add: "
                + c
                + " is not in this host's bounding set, so jvs cannot grant it");
      }
    }
    // A host-ip guest shares the host's stack: raw and packet sockets, IP_TRANSPARENT or routes
    // would send with any source address past its net.ip hooks (docs/networking.md).
    if (NetConfig.from(config.resources()).mode() == dev.jvs.net.NetMode.HOST_IP) {
      for (Capability c : List.of(Capability.NET_RAW, Capability.NET_ADMIN)) {
        if (config.capabilities().contains(c)) {
          throw new JvsException(
              name
                  + ": caps.add: "
                  + c
                  + " is refused with net.mode=host-ip (the guest shares the host's network"
                  + " stack, where it could send with any source address)");
        }
      }
    }
  }
}
