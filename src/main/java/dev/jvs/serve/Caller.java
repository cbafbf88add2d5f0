package dev.jvs.serve;

import dev.jvs.guest.JvsDirs;
import dev.jvs.launch.Launcher;
import dev.jvs.launch.Monitor;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Who runs a command line, as the front-ends (jvs, jvs-oci) see it: its working directory, its
 * environment (JVS_ROOT, JVS_RUN, TERM, …), its stdin, stdout and stderr, how a process that shares
 * its stdio is started, and the runtime pieces worth keeping between calls. Either this very
 * process (the cold path: a JVM per call) or a client of the jvs service (docs/service.md).
 * Front-ends read all of this from here, never from System.getenv(), System.in or System.out.
 */
public interface Caller {
  Path cwd();

  Map<String, String> env();

  InputStream in();

  OutputStream out();

  OutputStream err();

  /** What a command line does, printing to the caller's stdout and stderr. */
  interface Printing {
    int run(PrintWriter out, PrintWriter err);
  }

  /**
   * Runs {@code body} with the caller's stdout and stderr as UTF-8 writers and returns its status;
   * both are flushed after, since what a verb printed without a line's end is the caller's too.
   */
  default int printing(Printing body) {
    PrintWriter out = new PrintWriter(new OutputStreamWriter(out(), StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(err(), StandardCharsets.UTF_8), true);
    try {
      return body.run(out, err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Whether the caller's fd 0, 1 or 2 is a terminal. */
  boolean isTerminal(int fd);

  /** The caller's own stdio, for a process (a foreground guest, an exec) that shares it. */
  Launcher.Stdio stdio();

  /**
   * Who forks the jvs-init monitors of the OCI front-end: null when this process starts them, the
   * service's client otherwise, so that containers stay descendants of the caller.
   */
  Monitor.Starter monitors();

  /**
   * An exec's monitor runs: the caller's terminal signals (Ctrl-C, hang-up, a resized window) must
   * reach it, since it is the guest monitor's child and not in the caller's job.
   */
  void execStarted(long monitorPid);

  /** The runtime pieces shared by the calls this process serves. */
  RuntimeCache runtime();

  default boolean viaService() {
    return monitors() != null;
  }

  /** A path the caller gave, relative to its working directory. */
  default Path path(String given) {
    return cwd().resolve(given);
  }

  /** The caller's JVS_ROOT and JVS_RUN (defaults /var/lib/jvs, /run/jvs), from its cwd. */
  default JvsDirs dirs() {
    return new JvsDirs(
        path(env().getOrDefault("JVS_ROOT", JvsDirs.DEFAULT_ROOT.toString())),
        path(env().getOrDefault("JVS_RUN", JvsDirs.DEFAULT_RUN.toString())));
  }

  /** This very process: its environment, directory and stdio; a runtime of its own. */
  static Caller self() {
    return new Self(Path.of("").toAbsolutePath(), System.getenv(), new RuntimeCache());
  }

  /** The cold path's caller. */
  record Self(Path cwd, Map<String, String> env, RuntimeCache runtime) implements Caller {
    @Override
    public InputStream in() {
      return System.in;
    }

    @Override
    public PrintStream out() {
      return System.out;
    }

    @Override
    public PrintStream err() {
      return System.err;
    }

    @Override
    public boolean isTerminal(int fd) {
      return FdStreams.isTerminal(fd);
    }

    @Override
    public Launcher.Stdio stdio() {
      return Launcher.Stdio.inherit();
    }

    @Override
    public Monitor.Starter monitors() {
      return null;
    }

    @Override
    public void execStarted(long monitorPid) {
      SignalRelay.to(monitorPid);
    }
  }
}
