package dev.jvs.runtime;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * criu's network lock of a dumped tree's own network namespace: an nftables table {@code inet
 * CRIU-…} where criu locks with nftables, else an iptables chain CRIU that drops all but criu's
 * marked packets, jumped to from INPUT and OUTPUT (IPv4 and IPv6). criu removes it when it resumes
 * a tree after a failed dump, except when a post-copy dump's page server fails after the gate was
 * passed (the migration failed at the destination): then jvs removes either.
 */
final class NetworkLock {
  private NetworkLock() {}

  /** Removes the lock from the namespace of {@code pid}, if that is not this process's own. */
  static void release(String who, long pid) {
    try {
      if (Namespace.NET.isOurs(pid)) {
        return; // criu locks connections one by one there, and unlocks them itself
      }
      // criu 4.2 names its table CRIU-<the start of its run id>
      StringBuilder script =
          new StringBuilder(
              "for t in $(nft list tables inet | awk '$3 ~ /^CRIU/ {print $3}'); do"
                  + " nft delete table inet \"$t\"; done; ");
      for (String tool : List.of("iptables", "ip6tables")) {
        String t = tool + " -w ";
        script.append(t + "-D INPUT -j CRIU; " + t + "-D OUTPUT -j CRIU; ");
        script.append(t + "-F CRIU; " + t + "-X CRIU; ");
      }
      Process p =
          new ProcessBuilder(
                  "nsenter", "-t", Long.toString(pid), "-n", "sh", "-c", script.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (IOException e) {
      // the tree is gone (nothing to unlock) or nsenter failed: the guest runs, cut off
      System.err.println("jvs: " + who + ": network lock: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
