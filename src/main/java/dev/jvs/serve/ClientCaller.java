package dev.jvs.serve;

import dev.jvs.launch.Launcher;
import dev.jvs.launch.Monitor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;

/** A client of the service as the front-ends see it: the stdio fds it handed over, its env. */
final class ClientCaller implements Caller {
  private final ClientSession.Request request;
  private final ClientSession session;
  private final RuntimeCache runtime;
  private final FdStreams.In in;
  private final FdStreams.Out out;
  private final FdStreams.Out err;
  private final Launcher.Stdio stdio;
  private final Monitor.Starter monitors;

  ClientCaller(ClientSession.Request request, ClientSession session, RuntimeCache runtime) {
    this.request = request;
    this.session = session;
    this.runtime = runtime;
    int[] fds = request.fds();
    this.in = new FdStreams.In(fds[0]);
    this.out = new FdStreams.Out(fds[1]);
    this.err = new FdStreams.Out(fds[2]);
    this.stdio =
        Launcher.Stdio.of(new Launcher.Stdio.Fds(fds[0], fds[1], fds[2], session.monitors(true)));
    this.monitors = session.monitors(false);
  }

  @Override
  public Path cwd() {
    return request.cwd();
  }

  @Override
  public Map<String, String> env() {
    return request.env();
  }

  @Override
  public InputStream in() {
    return in;
  }

  @Override
  public OutputStream out() {
    return out;
  }

  @Override
  public OutputStream err() {
    return err;
  }

  @Override
  public boolean isTerminal(int fd) {
    return fd >= 0 && fd < 3 && FdStreams.isTerminal(request.fds()[fd]);
  }

  @Override
  public Launcher.Stdio stdio() {
    return stdio;
  }

  @Override
  public Monitor.Starter monitors() {
    return monitors;
  }

  @Override
  public void execStarted(long monitorPid) {
    try {
      session.send("monitor", Long.toString(monitorPid));
    } catch (IOException e) {
      // the client is gone: nobody's signals to pass on; the exec runs to its end
    }
  }

  @Override
  public RuntimeCache runtime() {
    return runtime;
  }
}
