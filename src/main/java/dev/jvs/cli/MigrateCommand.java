package dev.jvs.cli;

import dev.jvs.base.JvsException;
import dev.jvs.migrate.Migration;
import dev.jvs.runtime.PostCopySupport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "migrate",
    description = {
      "Move a running guest to another jvs host through its REST API (docs/migration.md):",
      "post-copy by default (dumped without its memory, restored there, its memory fetched from"
          + " here after the resume), or --stop-copy (memory dumped and sent before the restore);"
          + " then deleted here. On any failure before it runs there the guest runs here again."
    })
final class MigrateCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "guest name")
  String name;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "URL",
      description = "the destination's API: https://HOST:PORT (its jvs serve --listen)")
  String to;

  @ArgGroup(multiplicity = "1")
  Token token;

  static final class Token {
    @Option(
        names = "--token",
        paramLabel = "TOKEN",
        description = "a token the destination trusts (jvs trust add NAME, there)")
    String value;

    @Option(names = "--token-file", paramLabel = "FILE", description = "read the token from FILE")
    String file;
  }

  @Option(
      names = "--fingerprint",
      required = true,
      paramLabel = "SHA256",
      description = "the destination's certificate fingerprint, as its jvs serve logged it")
  String fingerprint;

  @Option(
      names = "--stall-timeout",
      paramLabel = "SECONDS",
      defaultValue = "15",
      description = "an upload that makes no progress this long fails (default: ${DEFAULT-VALUE})")
  int stallSeconds;

  @ArgGroup(exclusive = true)
  Copy copy;

  static final class Copy {
    @Option(
        names = "--stop-copy",
        description = "send the memory with the images before the restore (downtime grows with it)")
    boolean stop;

    @Option(
        names = "--post-copy",
        description =
            "the destination fetches the memory after the resume (the default where it works)")
    boolean post;
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Migration.Mode mode = mode(err);
    Migration.Timing t =
        new Migration(
                guests(),
                destination(),
                token(),
                fingerprint.strip(),
                Duration.ofSeconds(Math.max(1, stallSeconds)),
                mode,
                line -> {
                  err.println(name + ": " + line);
                  err.flush();
                })
            .migrate(name(name));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%s: running on %s (%s): total %d ms (before the freeze %d, dump %d, transfer %d,"
            + " restore %d, memory after resume %d)%ndowntime: %d ms%n",
        name,
        to,
        t.mode() == Migration.Mode.POST_COPY ? "post-copy" : "stop-copy",
        t.total().toMillis(),
        t.beforeFreeze().toMillis(),
        t.dump().toMillis(),
        t.transfer().toMillis(),
        t.restore().toMillis(),
        t.memoryAfterResume().toMillis(),
        t.downtime().toMillis());
    if (!t.restoreThere().isEmpty()) {
      out.println("restore there: " + t.restoreThere());
    }
    out.flush();
    return 0;
  }

  /**
   * Post-copy unless asked otherwise or it cannot work here (then stop-copy, saying why): there is
   * no pre-copy (no dirty-memory tracking on the hosts jvs has met).
   */
  private Migration.Mode mode(PrintWriter err) {
    if (copy != null && copy.stop) {
      return Migration.Mode.STOP_COPY;
    }
    Optional<String> missing =
        PostCopySupport.missing(guests().runningIdRange(name(name)).isPresent());
    if (missing.isEmpty()) {
      return Migration.Mode.POST_COPY;
    }
    if (copy != null && copy.post) {
      throw new JvsException(name + ": --post-copy cannot work here: " + missing.get());
    }
    err.println(name + ": post-copy cannot work here (" + missing.get() + "): stop-copy");
    err.flush();
    return Migration.Mode.STOP_COPY;
  }

  private URI destination() {
    URI u;
    try {
      u = new URI(to);
    } catch (URISyntaxException e) {
      throw new JvsException("--to: " + to + ": not a URL (https://HOST:PORT)");
    }
    if (!"https".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
      throw new JvsException(
          "--to: " + to + ": expected https://HOST:PORT (ssh:// is not supported yet)");
    }
    if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
      throw new JvsException("--to: " + to + ": no path, only https://HOST:PORT");
    }
    return URI.create("https://" + u.getRawAuthority() + "/");
  }

  private String token() {
    if (token.value != null) {
      return token.value.strip();
    }
    try {
      return Files.readString(caller.path(token.file)).strip();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new JvsException("--token-file: " + token.file + ": no such file");
    } catch (IOException e) {
      throw new JvsException("--token-file: " + token.file + ": " + e.getMessage());
    }
  }
}
