package dev.jvs.v2host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.Probe;
import dev.jvs.testing.TestHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs every test tagged {@code v2host} again inside the cgroup v2 test host
 * (tools/v2host/v2host.sh: a QEMU VM with cgroup2 alone at /sys/fs/cgroup), where {@code
 * CgroupDriver.detect()} picks the v2 driver: one test body, two hosts. Compiled here, run there
 * with the JUnit console launcher on this JVM's test classpath (shared read-only over 9p). Tagged
 * {@code slow}: {@code ./build.sh test} runs it, a plain {@code mvn verify} does not.
 */
@Tag("kernel")
@Tag("slow")
class CgroupV2HostKernelTest {
  /** The VM's hard limit; the script kills it after this (+10 s), this test waits a little more. */
  private static final int VM_TIMEOUT_SECONDS = 780;

  @Test
  void theV2HostTaggedTestsPassOnACgroupV2OnlyKernel() throws Exception {
    Path project = Path.of("").toAbsolutePath();
    Path script = project.resolve("tools/v2host/v2host.sh");
    Path init = TestHost.initBinary().toAbsolutePath();
    Path probe = Probe.binary().toAbsolutePath(); // gcc runs here: the VM's / is read-only
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path testClasses =
        List.of(classpath.split(java.io.File.pathSeparator)).stream()
            .map(Path::of)
            .filter(p -> p.endsWith("test-classes"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no test-classes on " + classpath));
    // The VM mounts fresh tmpfs on /tmp and /run, keeping only the checkout itself visible:
    // what it must read has to live in the checkout or elsewhere.
    String sep = java.io.File.pathSeparator;
    for (String entry : (classpath + sep + init).split(sep)) {
      if (!Path.of(entry).toAbsolutePath().startsWith(project.toAbsolutePath())) {
        assertThat(entry)
            .as("the cgroup v2 test host cannot see /tmp or /run of this host outside the checkout")
            .doesNotStartWith("/tmp/")
            .doesNotStartWith("/run/");
      }
    }
    Path log = init.resolveSibling("v2host-console.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                script.toString(),
                "run",
                "--timeout",
                Integer.toString(VM_TIMEOUT_SECONDS),
                "--log",
                log.toString(),
                "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                // Everything runs 16-20x slower under TCG: C1 only, one GC thread, small heap.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "-XX:-UsePerfData",
                "-Djvs.init=" + init,
                "-Djvs.probe=" + probe,
                "-Djvs.v2host=true",
                "-Djvs.test.diskDir=/mnt", // the VM's virtio disk (ext4)
                "-Djvs.test.rootDir=/mnt", // idmappable on 6.1, where the VM's tmpfs /tmp is not
                "-Djvs.test.sampleScale=3", // CPU shares sampled 3x longer there, same bounds
                "-cp",
                classpath,
                "org.junit.platform.console.ConsoleLauncher",
                "execute",
                "--disable-banner",
                "--disable-ansi-colors",
                "--details=tree",
                "--include-tag=v2host",
                "--fail-if-no-tests",
                "--scan-classpath=" + testClasses));
    Process vm =
        new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true).start();
    StringBuilder output = new StringBuilder();
    Thread pump = Thread.ofPlatform().start(() -> copy(vm, output));
    try {
      boolean ended = vm.waitFor(VM_TIMEOUT_SECONDS + 60, TimeUnit.SECONDS);
      pump.join(10_000);
      assertThat(ended).as("the v2 test host outlived its timeout").isTrue();
      assertThat(vm.exitValue()).as("v2host.sh exit status; its output:\n%s", output).isZero();
      assertThat(output)
          .contains("cgroup2 controllers: cpuset cpu io memory")
          .containsPattern("\\[\\s*[1-9]\\d* tests successful\\s*\\]")
          .containsPattern("\\[\\s*0 tests failed\\s*\\]")
          .as("nothing may be skipped there: the VM is where these tests must run")
          .containsPattern("\\[\\s*0 tests skipped\\s*\\]")
          .containsPattern("\\[\\s*0 tests aborted\\s*\\]");
    } finally {
      // Never leave the VM behind: the script's traps and parent-death signals take QEMU along.
      vm.descendants().forEach(ProcessHandle::destroyForcibly);
      vm.destroyForcibly();
    }
    assertThat(Files.exists(log)).isTrue();
  }

  /** Echoes the VM's output as it arrives (the suite takes minutes) and keeps it for messages. */
  private static void copy(Process vm, StringBuilder output) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(vm.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        System.out.println(line);
        synchronized (output) {
          output.append(line).append('\n');
        }
      }
    } catch (IOException e) {
      System.out.println("v2host: output lost: " + e);
    }
  }
}
