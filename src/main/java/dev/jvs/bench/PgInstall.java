package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The host's PostgreSQL 15 (Debian's postgresql-15) as the macro-benchmarks use it: the user that
 * runs it and the one script every system runs, so native, jvs and runc do the same steps.
 */
final class PgInstall {
  static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

  /** Where the seed cluster and the script are inside the template (and runc's root). */
  static final String GUEST_SEED = "/var/lib/jvs-pgseed";

  static final String GUEST_SCRIPT = "/jvs-pg.sh";

  /** An instance's directory (its data and its socket) inside a guest or container. */
  static final String GUEST_DIR = "/var/lib/jvs-pg";

  /**
   * One PostgreSQL instance and its pgbench client, as user postgres. synchronous_commit=off: the
   * figure is about CPU, scheduling, IPC and the file system, not the virtual disk's flush latency
   * (the same for every system, and it would dominate); jit=off: no LLVM in the template.
   */
  static final String SCRIPT =
      """
      #!/bin/sh
      # jvs bench paper: one PostgreSQL 15 instance and its pgbench client (run as postgres)
      #   seed DIR SCALE      initdb into DIR/data, then pgbench -i -s SCALE
      #   serve SEED DIR      copy SEED/data to DIR/data, run the server on a socket in DIR
      #   ready DIR           wait until it accepts connections
      #   bench DIR SECS C    pgbench -T SECS -c C; prints "tps N" and "lat US" per transaction
      set -e
      bin=/usr/lib/postgresql/15/bin
      opts="-c listen_addresses= -c synchronous_commit=off -c jit=off -c shared_buffers=32MB \
      -c max_connections=20"
      case $1 in
      seed)
        "$bin/initdb" -D "$2/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
        "$bin/pg_ctl" -D "$2/data" -o "-k $2 $opts" -l "$2/seed.log" -w start >/dev/null
        if ! "$bin/pgbench" -i -q -s "$3" -h "$2" postgres 2>"$2/seed.err"; then
          cat "$2/seed.err" >&2
          "$bin/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null
          exit 1
        fi
        "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null ;;
      serve)
        cp -a "$2/data" "$3/data"
        exec "$bin/postgres" -D "$3/data" -k "$3" $opts >"$3/server.log" 2>&1 ;;
      ready)
        i=0
        until "$bin/pg_isready" -q -h "$2"; do
          i=$((i + 1))
          if [ $i -ge 1200 ]; then tail -3 "$2/server.log" >&2; exit 1; fi
          sleep 0.1
        done ;;
      bench)
        run=$(mktemp -d "$2/run.XXXXXX")
        cd "$run"
        if ! "$bin/pgbench" -n -h "$2" -T "$3" -c "$4" -j 1 -l postgres >out 2>err; then
          tail -3 err >&2
          exit 1
        fi
        sed -n 's/^tps = \\([0-9.]*\\) .*/tps \\1/p' out
        awk '{printf "lat %s %s%06d\\n", $3, $5, $6}' pgbench_log.*
        cd /
        rm -rf "$run" ;;
      *) echo "jvs-pg.sh: unknown mode $1" >&2; exit 2 ;;
      esac
      """;

  private PgInstall() {}

  /** Why the PostgreSQL benchmarks cannot run here, if they cannot. */
  static Optional<String> missing() {
    for (String b : List.of("postgres", "initdb", "pg_ctl", "pg_isready", "pgbench")) {
      if (!Files.isExecutable(BIN.resolve(b))) {
        return Optional.of(BIN.resolve(b) + " not found (install Debian's postgresql-15)");
      }
    }
    if (passwd().isEmpty()) {
      return Optional.of("no user postgres in /etc/passwd (install Debian's postgresql-15)");
    }
    return Optional.empty();
  }

  /** Whether the host has a postgres user (Debian's postgresql-15 creates it). */
  static boolean hasUser() {
    return passwd().isPresent();
  }

  static int uid() {
    return Integer.parseInt(passwd().orElseThrow(PgInstall::noUser)[2]);
  }

  static int gid() {
    return Integer.parseInt(passwd().orElseThrow(PgInstall::noUser)[3]);
  }

  /** The prefix that runs a command as postgres, from root. */
  static List<String> asPostgres() {
    return List.of("/usr/bin/setpriv", "--reuid=" + uid(), "--regid=" + gid(), "--clear-groups");
  }

  /** Makes {@code dir} (and nothing above it) belong to postgres, mode 0700. */
  static Path ownedByPostgres(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(
          dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      Files.setAttribute(dir, "unix:uid", uid());
      Files.setAttribute(dir, "unix:gid", gid());
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }

  private static JvsException noUser() {
    return new JvsException("no user postgres in /etc/passwd (install Debian's postgresql-15)");
  }

  private static Optional<String[]> passwd() {
    try {
      return Files.readAllLines(Path.of("/etc/passwd")).stream()
          .map(l -> l.split(":"))
          .filter(f -> f.length >= 4 && f[0].equals("postgres"))
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
