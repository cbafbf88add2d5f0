package dev.jvs.migrate;

import dev.jvs.base.JvsException;
import dev.jvs.guest.JvsDirs;
import dev.jvs.serve.RequestLog;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two jvs hosts on one machine, for migration tests and `jvs bench migrate`: each a network
 * namespace ("jvsma" / "jvsmb" + an 8-hex tag) with its own JVS_ROOT and JVS_RUN and its own `jvs
 * serve --listen` on port 8443, the two linked by a veth pair (198.19.N.1 and .2/30, from the
 * benchmarking range: nothing leaves the machine). Only the network is apart: both share the
 * machine's mounts and cgroups, which jvs keeps apart by root. {@link #close()} ends the services
 * and deletes the namespaces, and the veth with them.
 */
public final class HostPair implements AutoCloseable {
  public static final int PORT = 8443;
  private static final Pattern FINGERPRINT = Pattern.compile("certificate SHA-256 ([0-9A-F:]+)");

  /** One of the two: its namespace, address, directories and service. */
  public final class Side {
    private final String netns;
    private final String address;
    private final JvsDirs dirs;
    private final Path log;
    private Process service;
    private String fingerprint;

    private Side(String netns, String address, JvsDirs dirs, Path log) {
      this.netns = netns;
      this.address = address;
      this.dirs = dirs;
      this.log = log;
    }

    public String netns() {
      return netns;
    }

    public String address() {
      return address;
    }

    public JvsDirs dirs() {
      return dirs;
    }

    /** Its API, as `jvs migrate --to` takes it. */
    public String url() {
      return "https://" + address + ":" + PORT;
    }

    /** Its service's certificate fingerprint (logged by `jvs serve`). */
    public String fingerprint() {
      return fingerprint;
    }

    public Map<String, String> env() {
      return Map.of("JVS_ROOT", dirs.root().toString(), "JVS_RUN", dirs.run().toString());
    }

    /** Starts its service and waits until it takes calls. */
    public void startService() {
      List<String> cmd = new ArrayList<>(inNetns());
      cmd.addAll(List.of("env", "--default-signal"));
      cmd.addAll(jvs);
      cmd.addAll(
          List.of("serve", "--no-lxcfs", "--tick", "200ms", "--listen", address + ":" + PORT));
      try {
        Files.deleteIfExists(log);
        ProcessBuilder pb =
            new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        environment(pb);
        service = pb.start();
        for (int i = 0; i < 3000 && service.isAlive() && !logText().contains("calls on"); i++) {
          Thread.sleep(20);
        }
        Matcher m = FINGERPRINT.matcher(logText());
        if (!service.isAlive() || !logText().contains("calls on") || !m.find()) {
          stopService();
          throw new JvsException(netns + ": jvs serve did not start: " + logText().strip());
        }
        fingerprint = m.group(1);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JvsException(netns + ": interrupted");
      }
    }

    /** A crash of its service: SIGKILL. */
    public void killService() {
      if (service != null) {
        service.destroyForcibly();
        await(service);
        service = null;
      }
    }

    /** Stops its service (SIGTERM; its guests keep running, as with any service). */
    public void stopService() {
      if (service != null) {
        service.destroy();
        if (!await(service)) {
          service.destroyForcibly();
          await(service);
        }
        service = null;
      }
    }

    public String logText() {
      try {
        return Files.exists(log) ? Files.readString(log) : "";
      } catch (IOException e) {
        return "";
      }
    }

    /** Runs jvs ARGS on this host, in its namespace, in a JVM of its own (never its service). */
    public Result jvs(String... args) {
      List<String> cmd = new ArrayList<>(inNetns());
      cmd.addAll(jvs);
      cmd.addAll(List.of(args));
      return run(cmd);
    }

    /**
     * Runs jvs ARGS as a user's ./jvs does: {@code client} (jvs-client) hands them to this host's
     * service, which runs them in its JVM (or, should it refuse, the client runs a JVM of its own).
     */
    public Result throughService(Path client, String... args) {
      List<String> cmd = new ArrayList<>(inNetns());
      cmd.add(client.toString());
      cmd.addAll(List.of(args));
      return run(cmd);
    }

    /** How many times its service has run `jvs VERB` to the end with status 0. */
    public long served(String verb) {
      return RequestLog.ran(logText()).stream()
          .filter(r -> r.front().equals("jvs") && r.verb().equals(verb) && r.code() == 0)
          .count();
    }

    /** Runs a shell command in this host's namespace. */
    public Result sh(String command) {
      List<String> cmd = new ArrayList<>(inNetns());
      cmd.addAll(List.of("sh", "-c", command));
      return run(cmd);
    }

    private List<String> inNetns() {
      return List.of("nsenter", "--net=/run/netns/" + netns, "--");
    }

    private void environment(ProcessBuilder pb) {
      pb.environment().remove("JVS_SOCKET");
      pb.environment().putIfAbsent("JVS_JAVA_HOME", System.getProperty("java.home"));
      pb.environment().putAll(env());
    }

    private Result run(List<String> cmd) {
      try {
        Path out = Files.createTempFile(base, "out", ".txt");
        Path err = Files.createTempFile(base, "err", ".txt");
        try {
          ProcessBuilder pb =
              new ProcessBuilder(cmd)
                  .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                  .redirectOutput(out.toFile())
                  .redirectError(err.toFile());
          environment(pb);
          Process p = pb.start();
          if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new JvsException(String.join(" ", cmd) + ": hung");
          }
          return new Result(
              p.exitValue(),
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8));
        } finally {
          Files.deleteIfExists(out);
          Files.deleteIfExists(err);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JvsException("interrupted");
      }
    }
  }

  /** What a command printed and returned. */
  public record Result(int code, String out, String err) {}

  private final List<String> jvs;
  private final Path base;
  private final Side a;
  private final Side b;

  /**
   * Creates the namespaces and the link (no service yet: {@link Side#startService()}).
   *
   * @param tag 8 hex digits naming the namespaces (a root's NetNames tag)
   * @param jvs the command that runs jvs (the client, or java -jar jvs.jar)
   * @param base a directory for the services' logs and commands' output
   */
  public HostPair(String tag, JvsDirs dirsA, JvsDirs dirsB, List<String> jvs, Path base) {
    this.jvs = List.copyOf(jvs);
    this.base = base;
    int n = Integer.parseInt(tag.substring(0, 2), 16);
    a = new Side("jvsma" + tag, "198.19." + n + ".1", dirsA, base.resolve("serve-a.log"));
    b = new Side("jvsmb" + tag, "198.19." + n + ".2", dirsB, base.resolve("serve-b.log"));
    try {
      for (Side s : List.of(a, b)) {
        shell("ip netns add " + s.netns);
        shell("ip -n " + s.netns + " link set lo up");
      }
      shell(
          "ip -n "
              + a.netns
              + " link add "
              + a.netns
              + " type veth peer name "
              + b.netns
              + " netns "
              + b.netns);
      for (Side s : List.of(a, b)) {
        shell("ip -n " + s.netns + " addr add " + s.address + "/30 dev " + s.netns);
        shell("ip -n " + s.netns + " link set " + s.netns + " up");
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  public Side a() {
    return a;
  }

  public Side b() {
    return b;
  }

  /** Cuts the link between the two: the veth pair is deleted (no reset reaches either side). */
  public void cutLink() {
    shell("ip -n " + a.netns + " link del " + a.netns);
  }

  /** Ends both services, then deletes the namespaces (the veth goes with them). */
  @Override
  public void close() {
    RuntimeException first = null;
    for (Side s : List.of(a, b)) {
      try {
        s.stopService();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    for (Side s : List.of(a, b)) {
      if (Files.exists(Path.of("/run/netns", s.netns))) {
        try {
          shell("ip netns del " + s.netns);
        } catch (RuntimeException e) {
          first = first == null ? e : first;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static boolean await(Process p) {
    try {
      return p.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs {@code command} with sh; a failure is an exception with its output. */
  static void shell(String command) {
    try {
      Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0) {
        throw new JvsException(command + ": " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(command + ": interrupted");
    }
  }
}
