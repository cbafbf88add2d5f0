package dev.jvs.launch;

import dev.jvs.kernel.Libc;
import java.io.File;

/**
 * The three fds a {@link Launcher.Stdio} stands for, opened as ProcessBuilder would open them, for
 * a monitor this process does not start itself (one a guest's monitor forks for an exec).
 */
final class StdioFds implements AutoCloseable {
  private static final int O_APPEND = 02000;

  private final int[] fds = new int[3];
  private final boolean[] opened = new boolean[3];

  private StdioFds() {}

  static StdioFds open(Launcher.Stdio stdio) throws LaunchException {
    StdioFds s = new StdioFds();
    if (stdio.fds() != null) { // a caller's own fds: passed on as they are, never reopened
      s.fds[0] = stdio.fds().in();
      s.fds[1] = stdio.fds().out();
      s.fds[2] = stdio.fds().err();
      return s;
    }
    ProcessBuilder.Redirect[] r = {stdio.in(), stdio.out(), stdio.err()};
    try {
      for (int i = 0; i < 3; i++) {
        s.fds[i] =
            switch (r[i].type()) {
              case INHERIT -> i;
              case READ -> s.opened(i, r[i].file(), Libc.O_RDONLY);
              case WRITE -> s.opened(i, r[i].file(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC);
              case APPEND -> s.opened(i, r[i].file(), Libc.O_WRONLY | Libc.O_CREAT | O_APPEND);
              case PIPE ->
                  throw new LaunchException("a pipe to this process cannot be handed over");
            };
      }
      return s;
    } catch (LaunchException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private int opened(int i, File file, int flags) {
    int fd =
        (int)
            Libc.open(file.getPath(), flags | Libc.O_CLOEXEC, 0644).orThrow("open", file.getPath());
    opened[i] = true;
    return fd;
  }

  int[] numbers() {
    return fds.clone();
  }

  @Override
  public void close() {
    for (int i = 0; i < 3; i++) {
      if (opened[i]) {
        Libc.close(fds[i]);
        opened[i] = false;
      }
    }
  }
}
