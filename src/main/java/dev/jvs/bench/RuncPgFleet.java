package dev.jvs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL in runc containers on the same {@link HostUserland} rootfs as the jvs guests,
 * read-only (its files are hard links to the host's), user postgres, each cluster on a bind-mounted
 * directory of the benchmark's scratch space and /tmp a tmpfs.
 */
final class RuncPgFleet extends PgFleet {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private final BenchHost host;
  private final Path dirs;
  private final OciRuntime runc;
  private final Path rootfs;
  private final List<String> ids = new ArrayList<>();

  /** {@code dirs}: where the bundles and clusters go, removed at close. */
  RuncPgFleet(BenchHost host, Path dirs, OciRuntime runc, Path rootfs) {
    super("runc");
    this.host = host;
    this.dirs = dirs;
    this.runc = runc;
    this.rootfs = rootfs;
    host.onClose(this::close);
  }

  private static List<String> script(String... args) {
    List<String> argv = new ArrayList<>(List.of("/bin/sh", PgInstall.GUEST_SCRIPT));
    argv.addAll(List.of(args));
    return argv;
  }

  @Override
  void startOne(int i) {
    Path data = PgInstall.ownedByPostgres(dirs.resolve(i + "/data"));
    Path bundle =
        runc.bundle(
            dirs.resolve(i + "/bundle"),
            rootfs,
            script("serve", PgInstall.GUEST_SEED, PgInstall.GUEST_DIR));
    confine(bundle.resolve("config.json"), data);
    String id = runc.newId("pg" + i);
    synchronized (ids) {
      ids.add(id);
    }
    runc.runDetached(id, bundle);
  }

  /** Read-only root, user postgres, the instance's directory bound in, /tmp a tmpfs. */
  private static void confine(Path config, Path data) {
    try {
      ObjectMapper json = new ObjectMapper();
      ObjectNode spec = (ObjectNode) json.readTree(config.toFile());
      ((ObjectNode) spec.get("root")).put("readonly", true);
      ObjectNode user = ((ObjectNode) spec.get("process")).putObject("user");
      user.put("uid", PgInstall.uid());
      user.put("gid", PgInstall.gid());
      ArrayNode mounts = (ArrayNode) spec.get("mounts");
      ObjectNode bind = mounts.addObject();
      bind.put("destination", PgInstall.GUEST_DIR);
      bind.put("type", "bind");
      bind.put("source", data.toString());
      bind.putArray("options").add("rbind").add("rw");
      ObjectNode tmp = mounts.addObject();
      tmp.put("destination", "/tmp");
      tmp.put("type", "tmpfs");
      tmp.put("source", "tmpfs");
      tmp.putArray("options").add("nosuid").add("nodev").add("mode=1777");
      json.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), spec);
    } catch (IOException e) {
      throw new UncheckedIOException(config + ": " + e.getMessage(), e);
    }
  }

  private String exec(int i, List<String> args) {
    String id;
    synchronized (ids) {
      id = ids.get(i);
    }
    List<String> argv = runc.base("exec", "--user", PgInstall.uid() + ":" + PgInstall.gid(), id);
    argv.addAll(args);
    return host.commands().check(argv, TIMEOUT);
  }

  @Override
  void awaitReady(int i) {
    exec(i, script("ready", PgInstall.GUEST_DIR));
  }

  @Override
  String bench(int i, int seconds, int clients) {
    return exec(
        i, script("bench", PgInstall.GUEST_DIR, String.valueOf(seconds), String.valueOf(clients)));
  }

  @Override
  public void close() {
    synchronized (ids) {
      if (ids.isEmpty()) {
        return;
      }
      ids.clear();
    }
    runc.deleteAll();
    PgFleet.removeUnmounted(dirs);
  }
}
