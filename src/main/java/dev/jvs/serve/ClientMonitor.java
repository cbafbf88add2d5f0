package dev.jvs.serve;

import dev.jvs.launch.LaunchException;
import dev.jvs.launch.Monitor;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A jvs-init monitor that the service's client forked: its pid and exit status come from the
 * client's {@code spawned} and {@code reaped} reports, and killing it is asked of the client, its
 * parent, so a recycled pid is never signalled.
 */
final class ClientMonitor implements Monitor {
  /** The status assumed when the client hung up before reporting one. */
  private static final int CLIENT_GONE = 1;

  private final ClientSession session;
  private final CompletableFuture<Long> pid = new CompletableFuture<>();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  ClientMonitor(ClientSession session) {
    this.session = session;
  }

  void spawned(long p) {
    pid.complete(p);
  }

  void spawnFailed(String why) {
    pid.completeExceptionally(new LaunchException("the jvs client cannot fork jvs-init: " + why));
  }

  void reaped(int code) {
    exit.complete(code);
  }

  void clientGone() {
    pid.completeExceptionally(new LaunchException("the jvs client went away"));
    exit.complete(CLIENT_GONE);
  }

  /** This monitor once the client has forked it; throws if it could not. */
  ClientMonitor awaitSpawn(Duration timeout) throws LaunchException {
    try {
      pid.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return this;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof LaunchException l ? l : new LaunchException(e.getMessage());
    } catch (TimeoutException e) {
      throw new LaunchException("the jvs client did not fork jvs-init within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LaunchException("interrupted while the client forked jvs-init");
    }
  }

  @Override
  public long pid() {
    return pid.join();
  }

  @Override
  public boolean isAlive() {
    return !exit.isDone();
  }

  @Override
  public int waitFor() throws InterruptedException {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      return CLIENT_GONE; // never completed exceptionally; keeps the compiler content
    }
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      exit.get(timeout, unit);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  @Override
  public int exitValue() {
    if (!exit.isDone()) {
      throw new IllegalThreadStateException("jvs-init has not exited");
    }
    return exit.join();
  }

  @Override
  public void destroyForcibly() {
    try {
      session.send("kill", "");
    } catch (IOException e) {
      // the client is gone; its monitor sees its control socket close and aborts
    }
  }
}
