package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Work inside another process's network namespace. setns(CLONE_NEWNET) is per thread, and a
 * thread that entered a namespace is poisoned for other work (DESIGN 2), so each call runs on a
 * fresh platform thread that ends with it.
 */
public final class NetworkNamespace {
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int AF_INET = 2;
  private static final int SOCK_DGRAM = 2;
  private static final long SIOCGIFFLAGS = 0x8913;
  private static final long SIOCSIFFLAGS = 0x8914;
  private static final short IFF_UP = 1;
  private static final int IFREQ_SIZE = 40;

  private NetworkNamespace() {}

  /** Brings the loopback interface up in the network namespace of {@code pid}. */
  public static void bringUpLoopback(long pid) {
    runIn(pid, () -> setUp("lo"));
  }

  private static void runIn(long pid, Runnable work) {
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Thread thread =
        Thread.ofPlatform()
            .name("jvs-netns-" + pid)
            .unstarted(
                () -> {
                  String nsPath = "/proc/" + pid + "/ns/net";
                  try {
                    int fd =
                        (int)
                            Libc.open(nsPath, Libc.O_RDONLY | Libc.O_CLOEXEC, 0)
                                .orThrow("open", nsPath);
                    try {
                      Libc.setns(fd, CLONE_NEWNET).orThrow("setns", nsPath);
                    } finally {
                      Libc.close(fd);
                    }
                    work.run();
                  } catch (RuntimeException e) {
                    failure.set(e);
                  }
                });
    thread.start();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted in network namespace of " + pid, e);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  private static void setUp(String ifname) {
    int sock = (int) Libc.socket(AF_INET, SOCK_DGRAM, 0).orThrow("socket", "AF_INET");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
      byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
      MemorySegment.copy(name, 0, ifreq, ValueLayout.JAVA_BYTE, 0, name.length);
      Libc.ioctl(sock, SIOCGIFFLAGS, ifreq).orThrow("ioctl SIOCGIFFLAGS", ifname);
      short flags = ifreq.get(ValueLayout.JAVA_SHORT, 16);
      ifreq.set(ValueLayout.JAVA_SHORT, 16, (short) (flags | IFF_UP));
      Libc.ioctl(sock, SIOCSIFFLAGS, ifreq).orThrow("ioctl SIOCSIFFLAGS", ifname);
    } finally {
      Libc.close(sock);
    }
  }
}
