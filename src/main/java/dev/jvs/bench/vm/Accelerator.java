package dev.jvs.bench.vm;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How QEMU runs the VM: KVM where it works, else TCG (software emulation). A /dev/kvm can exist and
 * still be useless (a paravirtual device a stock kernel cannot drive), so KVM is tried with the
 * VM's own kernel, not assumed.
 *
 * @param name "kvm" or "tcg", as the report and CSVs print it
 * @param why the reason when it is TCG, empty for KVM
 */
public record Accelerator(String name, String why, List<String> qemuArgs) {

  public boolean kvm() {
    return name.equals("kvm");
  }

  /** How long the kernel's banner may take under KVM: a working KVM prints it within a second. */
  private static final Duration BOOT_PROBE = Duration.ofSeconds(10);

  private static final String BANNER = "Linux version";

  private static final Map<List<String>, Accelerator> DETECTED = new ConcurrentHashMap<>();

  /**
   * KVM if it boots {@code kernel} (console=ttyS0) far enough to print its banner within {@link
   * #BOOT_PROBE}; TCG otherwise, saying why. An empty KVM machine stopped before its first
   * instruction (the probe until 2026-12-07) is not enough, nor is SeaBIOS: on this development VM
   * both run under KVM, while Debian's kernel, past its real-mode setup ("Probing EDD"), never
   * prints a line. Probed once per QEMU and kernel in a JVM.
   */
  public static Accelerator detect(String qemu, DebianKernel kernel) {
    if (!Files.exists(Path.of("/dev/kvm"))) {
      return tcg("no /dev/kvm");
    }
    return DETECTED.computeIfAbsent(
        List.of(qemu, kernel.vmlinuz().toString()), k -> bootProbe(qemu, kernel.vmlinuz()));
  }

  private static Accelerator bootProbe(String qemu, Path vmlinuz) {
    Process p;
    try {
      p =
          new ProcessBuilder(
                  "setpriv", // gone with the JVM, should it die while the probe hangs
                  "--pdeathsig",
                  "KILL",
                  "--",
                  qemu,
                  "-name",
                  "jvskvmprobe,process=jvskvmprobe",
                  "-accel",
                  "kvm",
                  "-cpu",
                  "host",
                  "-m",
                  "128",
                  "-nodefaults",
                  "-no-user-config",
                  "-display",
                  "none",
                  "-no-reboot",
                  "-kernel",
                  vmlinuz.toString(),
                  "-append",
                  "console=ttyS0 earlyprintk=ttyS0 panic=-1",
                  "-serial",
                  "stdio")
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      return tcg("KVM probe failed: " + e.getMessage());
    }
    StringBuffer seen = new StringBuffer();
    CountDownLatch bannerOrEnd = new CountDownLatch(1);
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (BufferedReader in = p.inputReader(StandardCharsets.UTF_8)) {
                    for (String l = in.readLine(); l != null; l = in.readLine()) {
                      seen.append(l).append('\n');
                      if (l.contains(BANNER)) {
                        break;
                      }
                    }
                  } catch (IOException e) {
                    // killed: what it printed is in seen
                  } finally {
                    bannerOrEnd.countDown();
                  }
                });
    try {
      bannerOrEnd.await(BOOT_PROBE.toMillis(), TimeUnit.MILLISECONDS);
      p.destroyForcibly().waitFor();
      reader.join(Duration.ofSeconds(5));
      String out = seen.toString();
      if (out.contains(BANNER)) {
        return new Accelerator("kvm", "", List.of("-accel", "kvm", "-cpu", "host"));
      }
      return tcg(
          out.lines()
              .filter(l -> l.contains("error") || l.contains("Assertion"))
              .findFirst()
              .map(l -> "/dev/kvm unusable: " + l.strip())
              .orElse(
                  "KVM did not boot the kernel: no banner on its console in "
                      + BOOT_PROBE.toSeconds()
                      + " s"));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return tcg("KVM probe interrupted");
    }
  }

  private static Accelerator tcg(String why) {
    return new Accelerator("tcg", why, List.of("-accel", "tcg,thread=multi", "-cpu", "max"));
  }
}
