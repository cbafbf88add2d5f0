package dev.jvs.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs iproute2, nft and tc (docs/networking.md says why commands, and what they cost). A failure
 * becomes one line: the command and the tool's first line of complaint.
 */
final class NetTools {
  private NetTools() {}

  /** Output of a command that must succeed; {@code input} goes to its stdin (null: none). */
  static String feed(String input, String... argv) {
    Result r = tryRun(input, argv);
    if (r.code != 0) {
      String why = r.output.strip().lines().findFirst().orElse("exit " + r.code);
      throw new NetException(argv[0] + " " + argv[1] + ": " + why);
    }
    return r.output;
  }

  static String run(String... argv) {
    return feed(null, argv);
  }

  record Result(int code, String output) {}

  static Result tryRun(String input, String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      if (input != null) {
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), out);
    } catch (IOException e) {
      throw new NetException(argv[0] + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NetException(argv[0] + ": interrupted");
    }
  }

  /** `ip -batch -` with one command per element. */
  static void ip(List<String> commands) {
    feed(String.join("\n", commands) + "\n", "ip", "-batch", "-");
  }

  /** `ip -batch -` inside the network namespace of {@code pid}. */
  static void ipIn(long pid, List<String> commands) {
    feed(
        String.join("\n", commands) + "\n",
        "nsenter",
        "--net=/proc/" + pid + "/ns/net",
        "ip",
        "-batch",
        "-");
  }

  /** Sets a per-namespace sysctl inside the network namespace of {@code pid}. */
  static void sysctlIn(long pid, String key, String value) {
    run("nsenter", "--net=/proc/" + pid + "/ns/net", "sysctl", "-q", "-w", key + "=" + value);
  }

  /**
   * Every group of process {@code pid}, as host group ids for a sysctl written from the host: an
   * unprivileged guest's range (it reads "0 65535" then), else all of them ("0 2147483647").
   */
  static String allGroupsOf(long pid) {
    try {
      String[] map =
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/gid_map"))
              .getFirst()
              .strip()
              .split("\\s+");
      long first = Long.parseLong(map[1]);
      long last = Math.min(first + Long.parseLong(map[2]) - 1, Integer.MAX_VALUE);
      return first + " " + last;
    } catch (java.io.IOException | RuntimeException e) {
      return "0 2147483647"; // gone: the next step fails on it anyway
    }
  }

  /** `nft -f -` with a script. */
  static void nft(String script) {
    feed(script, "nft", "-f", "-");
  }

  static List<String> args(String... a) {
    return new ArrayList<>(List.of(a));
  }
}
