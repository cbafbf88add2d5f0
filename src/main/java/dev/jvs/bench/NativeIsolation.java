package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.guest.GuestResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The isolation experiment's floor: A and B as plain host processes, each in a cgroup of its own
 * beside the guests' with B's limits on B's, no namespaces, no seccomp. What an attack costs A here
 * no container can take away on this machine; what a guest adds to it is jvs's. B runs as root, so
 * only the pids controller holds a fork bomb: the privileged guest's case.
 */
final class NativeIsolation implements AutoCloseable {
  /** The reference takes about a second; a minute means something is wrong. */
  private static final Duration REFERENCE_TIMEOUT = Duration.ofMinutes(1);

  private final Path busybox;
  private final Path probe;
  private final Path scratch;
  private final HostCommands commands;
  private final Cgroup a;
  private final Cgroup b;

  NativeIsolation(BenchHost host, Path probe) {
    this.busybox = host.templateRootfs().resolve("bin/busybox"); // the guests' very binary
    this.probe = probe;
    this.scratch = host.scratch();
    this.commands = host.commands();
    String parent = host.dirs().cgroupParent();
    this.a = host.cgroups().create(parent, "jvsnative-ref");
    host.onClose(a::destroy);
    this.b = host.cgroups().create(parent, "jvsnative-attacker");
    host.onClose(b::destroy);
    b.apply(GuestResources.limits(IsolationBench.LIMITS));
  }

  /** One run of the reference workload in A's cgroup, by the host's clock, and A's CPU time. */
  IsolationBench.Timing once() {
    long cpu = a.cpuNanos();
    String said =
        commands
            .check(
                MicroBench.joining(
                    a, List.of(busybox.toString(), "sh", "-c", IsolationBench.REFERENCE)),
                REFERENCE_TIMEOUT)
            .strip();
    return new IsolationBench.Timing(IsolationBench.elapsedNanos(said), a.cpuNanos() - cpu);
  }

  /** Starts {@code attack} in B's cgroup; close ends every process of it. */
  IsolationBench.Attacking attack(IsolationBench.Attack attack) {
    return new HostAttack(attack);
  }

  /** The attack's command on the host: the probe and the shell by their host paths. */
  static List<String> hostArgv(IsolationBench.Attack attack, Path busybox, Path probe) {
    List<String> guest = attack.argv();
    List<String> argv =
        new ArrayList<>(
            switch (guest.getFirst()) {
              case "/jvs-lmprobe" -> List.of(probe.toString());
              case "sh" -> List.of(busybox.toString(), "sh"); // the guests' sh is busybox's too
              default -> throw new IllegalArgumentException("no host path for " + guest.getFirst());
            });
    argv.addAll(guest.subList(1, guest.size()));
    return argv;
  }

  private final class HostAttack implements IsolationBench.Attacking {
    private final List<String> argv;
    private Process process;

    HostAttack(IsolationBench.Attack attack) {
      this.argv = MicroBench.joining(b, hostArgv(attack, busybox, probe));
      begin();
    }

    private void begin() {
      try {
        // in the scratch directory: the disk writer's file goes there, as into a guest's root
        process =
            new ProcessBuilder(argv)
                .directory(scratch.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Thread.sleep(3000); // let it get going, as in a guest
      } catch (IOException e) {
        throw new UncheckedIOException("native attack " + argv + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JvsException("native attack: interrupted");
      }
    }

    @Override
    public void freeze(boolean frozen) {
      b.setFrozen(frozen);
    }

    @Override
    public boolean endedAndRestarted() {
      if (process.isAlive()) {
        return false;
      }
      b.killAll(Duration.ofSeconds(10));
      begin();
      return true;
    }

    @Override
    public void close() throws InterruptedException {
      b.setFrozen(false);
      b.killAll(Duration.ofSeconds(10));
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    a.destroy();
    b.destroy();
  }
}
