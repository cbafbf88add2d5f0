package dev.jvs.bench.vm;

import dev.jvs.base.JvsException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One QEMU VM of the benchmark, booted from {@link VmImage} and driven over a virtio-serial port:
 * QEMU connects the port to a unix socket this object listens on, and the VM's init runs each line
 * sent there as a shell command. QEMU is tied to this JVM by a parent-death signal and carries the
 * benchmark's JVS_ROOT in its environment, so a killed run's VM dies with it and a leftover is
 * found by the next run; {@link #close()} kills it.
 */
public final class QemuVm implements AutoCloseable {
  private static final String QEMU = "qemu-system-x86_64";
  private static final String READY = "@@jvs-vm-ready";
  private static final String EXIT = "@@jvs-vm-exit ";
  private static final String EOF = "\0eof";

  /**
   * A virtio-net NIC on a tap device QEMU creates in {@code netns}.
   *
   * @param address the VM's eth0 address with prefix, e.g. 198.19.7.6/30
   */
  public record Nic(String netns, String tap, String address) {}

  /** What the VM is given: memory, vCPUs, an optional NIC, the environment QEMU carries. */
  public record Spec(
      DebianKernel kernel,
      Path initramfs,
      Accelerator accel,
      int memoryMib,
      int cpus,
      Optional<Nic> nic,
      Map<String, String> env) {}

  /** A command's output (stdout and stderr together) and exit status. */
  public record Result(int exitCode, String output) {}

  private final Process qemu;
  private final ServerSocketChannel server;
  private final SocketChannel channel;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Path console;
  private final long bootNanos;

  private QemuVm(
      Process qemu, ServerSocketChannel server, SocketChannel channel, Path console, long t0)
      throws IOException {
    this.qemu = qemu;
    this.server = server;
    this.channel = channel;
    this.console = console;
    Thread.ofVirtual().name("jvs-vm-reader").start(this::readLines);
    String first = next(Duration.ofMinutes(5), "booting");
    if (!first.startsWith(READY)) {
      throw new JvsException("vm: expected the ready line, got: " + first);
    }
    this.bootNanos = System.nanoTime() - t0;
  }

  /**
   * Boots a VM in {@code dir} (its socket and console log) and returns once its init serves
   * commands; throws naming the console's last line if it does not come up within 5 minutes.
   */
  public static QemuVm boot(Spec spec, Path dir) {
    Path sock = dir.resolve("ctl.sock");
    Path console = dir.resolve("console.log");
    ServerSocketChannel server = null;
    Process qemu = null;
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(sock);
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(sock));
      ProcessBuilder pb =
          new ProcessBuilder(argv(spec, sock, console))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("qemu.out").toFile());
      pb.environment().putAll(spec.env());
      long t0 = System.nanoTime();
      qemu = pb.start();
      SocketChannel channel = accept(server, qemu, dir);
      return new QemuVm(qemu, server, channel, console, t0);
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage();
      if (qemu != null) {
        qemu.destroyForcibly();
        waitGone(qemu);
        why += "; console: " + lastLine(console) + "; qemu: " + lastLine(dir.resolve("qemu.out"));
      }
      closeQuietly(server);
      try {
        Files.deleteIfExists(sock);
      } catch (IOException ignored) {
        // best effort: the directory goes with the benchmark's
      }
      throw new JvsException("vm: " + why, e);
    }
  }

  private static List<String> argv(Spec spec, Path sock, Path console) {
    List<String> argv = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
    spec.nic().ifPresent(n -> argv.addAll(List.of("ip", "netns", "exec", n.netns())));
    argv.add(QEMU);
    argv.addAll(spec.accel().qemuArgs());
    String append = "console=ttyS0 quiet loglevel=3 panic=-1";
    if (spec.nic().isPresent()) {
      append += " jvs.ip=" + spec.nic().get().address();
    }
    argv.addAll(
        List.of(
            "-smp",
            String.valueOf(spec.cpus()),
            "-m",
            String.valueOf(spec.memoryMib()),
            "-name",
            "jvsvm,process=jvsvm",
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-no-reboot",
            "-kernel",
            spec.kernel().vmlinuz().toString(),
            "-initrd",
            spec.initramfs().toString(),
            "-append",
            append,
            "-serial",
            "file:" + console,
            "-device",
            "virtio-serial-pci",
            "-chardev",
            "socket,id=jvsctl,path=" + sock,
            "-device",
            "virtserialport,chardev=jvsctl,name=jvs.0"));
    spec.nic()
        .ifPresent(
            n ->
                argv.addAll(
                    List.of(
                        "-netdev",
                        "tap,id=n0,ifname=" + n.tap() + ",script=no,downscript=no",
                        "-device",
                        "virtio-net-pci,netdev=n0")));
    return argv;
  }

  /** QEMU connects at start; waits for that unless QEMU dies first. */
  private static SocketChannel accept(ServerSocketChannel server, Process qemu, Path dir)
      throws IOException {
    server.configureBlocking(false);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      SocketChannel c = server.accept();
      if (c != null) {
        c.configureBlocking(true);
        return c;
      }
      if (!qemu.isAlive()) {
        throw new JvsException(QEMU + " exited " + qemu.exitValue() + " before connecting");
      }
      if (System.nanoTime() > deadline) {
        throw new JvsException(QEMU + " did not connect to " + dir.resolve("ctl.sock"));
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JvsException("interrupted");
      }
    }
  }

  private void readLines() {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the channel closed: the VM is gone or being closed
    }
    lines.add(EOF);
  }

  private String next(Duration timeout, String doing) {
    try {
      String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (line == null) {
        throw new JvsException("vm: no answer after " + timeout + " " + doing);
      }
      if (line.equals(EOF)) {
        lines.add(EOF);
        throw new JvsException(
            "vm: the VM went away " + doing + " (console: " + lastLine(console) + ")");
      }
      return line;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException("vm: interrupted " + doing);
    }
  }

  /** From QEMU's start to the VM's init serving commands (kernel, modules, init). */
  public Duration bootTime() {
    return Duration.ofNanos(bootNanos);
  }

  /** Runs a one-line shell command in the VM; its output and status. */
  public Result run(String command, Duration timeout) {
    if (command.contains("\n")) {
      throw new IllegalArgumentException("one line only: " + command);
    }
    try {
      ByteBuffer b = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        channel.write(b);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("vm: sending a command: " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    StringBuilder out = new StringBuilder();
    while (true) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      String line = next(left, "running " + command);
      if (line.startsWith(EXIT)) {
        return new Result(Integer.parseInt(line.substring(EXIT.length()).strip()), out.toString());
      }
      out.append(line).append('\n');
    }
  }

  /** As {@link #run}, throwing with the output's last line unless the command exits 0. */
  public String check(String command, Duration timeout) {
    Result r = run(command, timeout);
    if (r.exitCode() != 0) {
      throw new JvsException(
          "vm: `"
              + command
              + "` exited "
              + r.exitCode()
              + ": "
              + r.output().strip().lines().reduce((a, b) -> b).orElse("(no output)"));
    }
    return r.output();
  }

  /** QEMU's resident set on the host (VmRSS), in KiB. */
  public long rssKib() {
    return Long.parseLong(statusField("VmRSS:").replaceAll("[^0-9]", ""));
  }

  /** CPU time QEMU has used on the host (all its threads: vCPUs, I/O), in seconds. */
  public double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/" + qemu.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after the command name: state is field 3, utime 14 and stime 15 (1-based, of stat)
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException e) {
      throw new UncheckedIOException("vm: QEMU's stat: " + e.getMessage(), e);
    }
  }

  public long pid() {
    return qemu.pid();
  }

  private String statusField(String field) {
    try {
      return Files.readAllLines(Path.of("/proc/" + qemu.pid() + "/status")).stream()
          .filter(l -> l.startsWith(field))
          .findFirst()
          .orElseThrow(() -> new JvsException("vm: QEMU's status has no " + field));
    } catch (IOException e) {
      throw new UncheckedIOException("vm: QEMU's status: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    qemu.destroyForcibly();
    waitGone(qemu);
    closeQuietly(channel);
    closeQuietly(server);
  }

  private static void waitGone(Process p) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new JvsException("vm: QEMU (pid " + p.pid() + ") did not die");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // closing a socket of a VM that is gone
    }
  }

  private static String lastLine(Path file) {
    try {
      return Files.readString(file).strip().lines().reduce((a, b) -> b).orElse("(empty)");
    } catch (IOException e) {
      return "(none)";
    }
  }
}
