package dev.jvs.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.kernel.HostPty;
import dev.jvs.kernel.Pidfd;
import dev.jvs.launch.Launcher;
import java.io.File;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One interactive exec over a websocket (GET /1.0/guests/{name}/exec/ws): the command runs on a
 * fresh terminal (a host pty whose slave the exec's monitor relays to the guest's own pty, as it
 * does a client's terminal); binary frames in are its keyboard, binary frames out its screen, a
 * text frame {"resize": {"cols": C, "rows": R}} resizes it, and a last text frame {"exit_code": N}
 * ends the session. Closing the websocket hangs the command up (SIGHUP).
 */
public final class ExecSocket implements Session.Listener.AutoDemanding {
  private static final int SIGHUP = 1;
  private static final int SIGWINCH = 28;

  private final Guests guests;
  private final GuestName name;
  private final List<String> command;
  private final Consumer<String> log;

  /** The exec's monitor, held by pidfd so no signal hits a reused pid; guarded by this. */
  private Pidfd monitor;

  private volatile boolean resized;
  private volatile HostPty pty;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private volatile Session session;

  ExecSocket(Guests guests, GuestName name, List<String> command, Consumer<String> log) {
    this.guests = guests;
    this.name = name;
    this.command = command;
    this.log = log;
  }

  @Override
  public void onWebSocketOpen(Session session) {
    this.session = session;
    try {
      pty = HostPty.open();
    } catch (RuntimeException e) {
      finish(Map.of("error", ErrorStatus.line(e.getMessage())));
      return;
    }
    Thread.ofPlatform()
        .daemon()
        .name("jvs-api-exec-" + name)
        .start(
            () -> {
              File tty = pty.slave().toFile();
              try {
                exit.complete(
                    guests.exec(
                        name,
                        command,
                        true,
                        "xterm",
                        new Launcher.Stdio(
                            ProcessBuilder.Redirect.from(tty),
                            ProcessBuilder.Redirect.appendTo(tty),
                            ProcessBuilder.Redirect.appendTo(tty)),
                        pid -> {
                          holdMonitor(pid);
                          pty.releaseSlave();
                          if (resized) { // a resize before the monitor was known: pass it on now
                            signalMonitor(SIGWINCH);
                          }
                        }));
              } catch (JvsException | IllegalArgumentException e) {
                exit.completeExceptionally(e);
              } catch (RuntimeException e) {
                log.accept("api exec/ws " + name + ": " + e);
                exit.completeExceptionally(e);
              } finally {
                holdMonitor(0);
              }
            });
    Thread.ofPlatform().daemon().name("jvs-api-exec-out-" + name).start(this::pump);
  }

  /** The terminal's output to the client until the command has ended and it is drained. */
  private void pump() {
    try {
      while (true) {
        byte[] out = pty.read(100);
        if (out == null || (out.length == 0 && exit.isDone())) {
          break;
        }
        if (out.length > 0 && session.isOpen()) {
          CompletableFuture<Void> sent = new CompletableFuture<>();
          session.sendBinary(
              ByteBuffer.wrap(out),
              Callback.from(() -> sent.complete(null), sent::completeExceptionally));
          sent.join();
        }
      }
      Map<String, Object> end;
      try {
        end = Map.of("exit_code", exit.join());
      } catch (java.util.concurrent.CompletionException e) {
        end = Map.of("error", ErrorStatus.line(e.getCause().getMessage()));
      }
      finish(end);
    } catch (RuntimeException e) {
      finish(Map.of("error", ErrorStatus.line(String.valueOf(e.getMessage()))));
    } finally {
      pty.close();
    }
  }

  private void finish(Map<String, Object> last) {
    Session s = session;
    if (s == null || !s.isOpen()) {
      return;
    }
    try {
      s.sendText(
          JsonBody.MAPPER.writeValueAsString(last),
          Callback.from(() -> s.close(1000, "done", Callback.NOOP), x -> s.close()));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      s.close();
    }
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    HostPty p = pty;
    if (p != null) {
      byte[] b = new byte[payload.remaining()];
      payload.get(b);
      p.write(b);
    }
    callback.succeed();
  }

  @Override
  public void onWebSocketText(String message) {
    try {
      JsonNode resize = JsonBody.MAPPER.readTree(message).path("resize");
      int cols = resize.path("cols").asInt(0);
      int rows = resize.path("rows").asInt(0);
      if (cols < 1 || rows < 1 || cols > 10_000 || rows > 10_000) {
        return; // not a resize: ignored, the terminal is the command's
      }
      pty.resize(cols, rows);
      resized = true;
      signalMonitor(SIGWINCH); // it copies the size on to the guest's pty
    } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
      // a malformed control frame changes nothing
    }
  }

  @Override
  public void onWebSocketClose(int status, String reason) {
    if (!exit.isDone()) {
      signalMonitor(SIGHUP); // the client hung up: the monitor passes it on to the command
    }
  }

  /** Holds the monitor {@code pid}, or with 0 lets the one held go (the exec has ended). */
  private synchronized void holdMonitor(long pid) {
    if (monitor != null) {
      monitor.close();
    }
    monitor = pid > 0 ? Pidfd.open(pid).orElse(null) : null;
  }

  private synchronized void signalMonitor(int signal) {
    if (monitor != null) {
      monitor.signal(signal); // false once it has exited: nothing left to tell
    }
  }
}
