package dev.jvs.oci.cli;

import dev.jvs.oci.serve.OciService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code jvs-oci serve}: the warm service that ./jvs-oci forwards its verbs to while the socket
 * exists (docs/oci.md, "Start-up"). Runs until SIGTERM, which removes the socket.
 */
@Command(name = "serve", description = "Serve jvs-oci verbs to jvs-oci clients over a Unix socket.")
final class ServeCommand implements Callable<Integer> {
  static final String DEFAULT_SOCKET = "/run/jvs-oci.sock";

  @ParentCommand OciMain main;

  @Spec CommandSpec spec;

  @Option(names = "--socket", description = "Unix socket (default: $JVS_OCI_SOCKET, else "
      + DEFAULT_SOCKET + ")")
  Path socket;

  @Override
  public Integer call() {
    if (main.caller.viaService()) {
      throw new IllegalArgumentException("serve: this is already the jvs-oci service");
    }
    PrintWriter log = spec.commandLine().getErr();
    try (OciService service = OciService.bind(socket(), OciMain::run, log)) {
      java.lang.Runtime.getRuntime().addShutdownHook(new Thread(service::close, "jvs-oci-serve-stop"));
      log.println("jvs-oci serve: listening on " + service.socket());
      log.flush();
      service.serve();
    }
    return 0;
  }

  private Path socket() {
    if (socket != null) {
      return socket;
    }
    String env = System.getenv("JVS_OCI_SOCKET");
    return Path.of(env == null || env.isEmpty() ? DEFAULT_SOCKET : env);
  }
}
