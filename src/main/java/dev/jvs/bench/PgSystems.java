package dev.jvs.bench;

import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.Hierarchies;
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
 * What the PostgreSQL experiments share on one {@link BenchHost}: the seed cluster (initdb and
 * pgbench -i, once, natively), the script, the template with both, the native cgroup and runc.
 * Hands out a fresh {@link PgFleet} per system and measurement.
 */
final class PgSystems {
  static final String NATIVE = "native";
  static final String JVS = "jvs";
  static final String RUNC = "runc";

  private final BenchHost host;
  private final Path script;
  private final Path seed;
  private final Path rootfs;
  private final List<String> inCgroup;
  private final Optional<OciRuntime> runc;
  private final List<String> notes = new ArrayList<>();
  private int fleets;

  private PgSystems(BenchHost host, int scale, Consumer<String> progress) {
    this.host = host;
    try {
      script = host.scratch().resolve("jvs-pg.sh");
      Files.writeString(script, PgInstall.SCRIPT);
      seed = PgInstall.ownedByPostgres(host.scratch().resolve("pg-seed"));
      Files.setPosixFilePermissions(
          seed, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      Path guestDir = PgInstall.ownedByPostgres(host.scratch().resolve("jvs-pg"));
      inCgroup = inCgroupOfItsOwn(host);
      progress.accept("initdb and pgbench -i -s " + scale + " of the seed cluster");
      List<String> argv = new ArrayList<>(PgInstall.asPostgres());
      argv.addAll(List.of("/bin/sh", script.toString(), "seed", seed.toString(), "" + scale));
      host.commands().check(argv, Duration.ofMinutes(10));
      progress.accept("template " + HostUserland.TEMPLATE + ": the host's /usr, hard-linked");
      Map<Path, String> extra = new LinkedHashMap<>();
      extra.put(script, PgInstall.GUEST_SCRIPT);
      extra.put(seed, PgInstall.GUEST_SEED);
      extra.put(guestDir, PgInstall.GUEST_DIR);
      rootfs = HostUserland.build(host, HostUserland.FOR_POSTGRES, extra);
    } catch (IOException e) {
      throw new UncheckedIOException("pgbench setup: " + e.getMessage(), e);
    }
    runc = OciRuntime.find(RUNC, host.scratch().resolve("runc-state"), host.commands());
    runc.ifPresentOrElse(
        r -> host.onClose(r::deleteAll), () -> notes.add("runc is not installed: no runc column"));
  }

  /** Sets everything up, or explains why this host cannot run PostgreSQL benchmarks. */
  static PgSystems prepare(BenchHost host, int scale, Consumer<String> progress) {
    PgInstall.missing()
        .ifPresent(
            why -> {
              throw new dev.jvs.base.JvsException(why);
            });
    return new PgSystems(host, scale, progress);
  }

  /** The systems this host has, native first. */
  List<String> names() {
    return runc.isPresent() ? List.of(NATIVE, JVS, RUNC) : List.of(NATIVE, JVS);
  }

  /** A fresh fleet; its host directories are its own (scratch/pg-SYSTEM-FLEET-N). */
  PgFleet fleet(String system) {
    Path dirs = host.scratch().resolve("pg-" + system + "-" + fleets++);
    return switch (system) {
      case NATIVE -> new NativePgFleet(host, dirs, inCgroup, script, seed);
      case JVS -> new GuestPgFleet(host);
      case RUNC -> new RuncPgFleet(host, dirs, runc.orElseThrow(), rootfs);
      default -> throw new IllegalArgumentException(system);
    };
  }

  List<String> notes() {
    return notes;
  }

  /**
   * A command prefix that moves the command into a cgroup of its own beside the guests' (in every
   * hierarchy), as {@link MicroBench} places native, so native starts from the guests' footing.
   */
  private static List<String> inCgroupOfItsOwn(BenchHost host) {
    Cgroup cg = host.cgroups().create(host.dirs().cgroupParent(), "jvsnative");
    host.onClose(cg::destroy);
    StringBuilder join = new StringBuilder();
    for (Path dir : Hierarchies.probe().existing(cg.path())) {
      join.append("echo $$ > ").append(dir.resolve("cgroup.procs")).append(" && ");
    }
    return List.of("/bin/sh", "-c", join + "exec \"$@\"", "sh");
  }
}
