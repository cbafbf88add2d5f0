package dev.jvs.bench.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How QEMU runs the VM: KVM where it works, else TCG (software emulation). A /dev/kvm can exist and
 * still be useless (a paravirtual device a stock kernel cannot drive), so KVM is tried, not
 * assumed.
 *
 * @param name "kvm" or "tcg", as the report and CSVs print it
 * @param why the reason when it is TCG, empty for KVM
 */
public record Accelerator(String name, String why, List<String> qemuArgs) {

  public boolean kvm() {
    return name.equals("kvm");
  }

  /**
   * Tries a KVM machine with a vCPU as the VM has it ({@code -cpu host}), stopped before its first
   * instruction ({@code -S}), and quits; TCG if that fails. A machine without a vCPU is not enough:
   * on this development VM it starts, while setting a vCPU's MSRs aborts QEMU ("failed to set MSR
   * 0x10a").
   */
  public static Accelerator detect(String qemu) {
    if (!Files.exists(Path.of("/dev/kvm"))) {
      return tcg("no /dev/kvm");
    }
    try {
      Process p =
          new ProcessBuilder(
                  qemu,
                  "-accel",
                  "kvm",
                  "-cpu",
                  "host",
                  "-machine",
                  "pc",
                  "-m",
                  "64",
                  "-S",
                  "-nodefaults",
                  "-no-user-config",
                  "-display",
                  "none",
                  "-monitor",
                  "stdio")
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().write("quit\n".getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        return tcg("KVM probe hung");
      }
      if (p.exitValue() != 0) {
        return tcg(
            "/dev/kvm unusable: "
                + out.lines()
                    .filter(l -> l.contains("error") || l.contains("Assertion"))
                    .findFirst()
                    .map(l -> l.replaceFirst("^\\(qemu\\) *", "")) // the monitor's prompt
                    .orElse("exit " + p.exitValue())
                    .strip());
      }
      return new Accelerator("kvm", "", List.of("-accel", "kvm", "-cpu", "host"));
    } catch (IOException e) {
      return tcg("KVM probe failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return tcg("KVM probe interrupted");
    }
  }

  private static Accelerator tcg(String why) {
    return new Accelerator("tcg", why, List.of("-accel", "tcg,thread=multi", "-cpu", "max"));
  }
}
