package dev.jvs.cli;

import dev.jvs.base.JvsException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "events",
    description = {
      "Follow the service's event feed (GET /1.0/events): one JSON object a line, with time,",
      "guest and type (created, started, stopped, exited, deleted, config, oom-kill, pids-max,",
      "watchdog-reset) and what goes with it. Needs a running `jvs serve`."
    })
final class EventsCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Path socket = socket();
    PrintWriter out = spec.commandLine().getOut();
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new JvsException(
            "events: no jvs service listens on " + socket + " (start one: jvs serve)");
      }
      // HTTP/1.0: the stream is not chunked and ends with the connection
      ByteBuffer request =
          ByteBuffer.wrap(
              "GET /1.0/events HTTP/1.0\r\nHost: jvs\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      while (request.hasRemaining()) {
        ch.write(request);
      }
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      String status = in.readLine();
      if (status == null || !status.matches("HTTP/1\\.[01] 200.*")) {
        throw new JvsException(
            "events: " + socket + " answered " + (status == null ? "nothing" : status.strip()));
      }
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          out.println(line.substring("data: ".length()));
          out.flush();
        }
      }
    }
    throw new JvsException("events: the service ended the feed");
  }

  /** Where the service listens, as jvs-client finds it: $JVS_SOCKET, else $JVS_RUN/jvs.sock. */
  private Path socket() {
    String s = caller.env().get("JVS_SOCKET");
    return s != null && !s.isEmpty() ? caller.path(s) : caller.dirs().run().resolve("jvs.sock");
  }
}
