package dev.jvs.oci.cli;

import dev.jvs.kernel.Capability;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** runtime-spec features.md: what this runtime implements. */
@Command(name = "features", description = "Print the features this runtime implements (JSON).")
final class OciFeaturesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("ociVersionMin", "1.0.0");
    f.put("ociVersionMax", "1.2.0");
    f.put(
        "hooks",
        List.of(
            "prestart",
            "createRuntime",
            "createContainer",
            "startContainer",
            "poststart",
            "poststop"));
    f.put(
        "mountOptions",
        List.of(
            "async",
            "atime",
            "bind",
            "defaults",
            "dev",
            "diratime",
            "dirsync",
            "exec",
            "mand",
            "noatime",
            "nodev",
            "nodiratime",
            "noexec",
            "nomand",
            "norelatime",
            "nostrictatime",
            "nosuid",
            "private",
            "rbind",
            "relatime",
            "remount",
            "ro",
            "rprivate",
            "rshared",
            "rslave",
            "runbindable",
            "rw",
            "shared",
            "slave",
            "strictatime",
            "suid",
            "sync",
            "unbindable"));
    Map<String, Object> linux = new LinkedHashMap<>();
    linux.put("namespaces", List.of("cgroup", "ipc", "mount", "network", "pid", "user", "uts"));
    linux.put(
        "capabilities", Arrays.stream(Capability.values()).map(c -> "CAP_" + c.name()).toList());
    linux.put("cgroup", Map.of("v1", true, "v2", true, "systemd", false, "systemdUser", false));
    linux.put(
        "seccomp",
        Map.of(
            "enabled", true,
            "actions",
                List.of(
                    "SCMP_ACT_ALLOW",
                    "SCMP_ACT_ERRNO",
                    "SCMP_ACT_KILL",
                    "SCMP_ACT_KILL_PROCESS",
                    "SCMP_ACT_KILL_THREAD",
                    "SCMP_ACT_LOG",
                    "SCMP_ACT_TRAP"),
            "operators",
                List.of(
                    "SCMP_CMP_EQ",
                    "SCMP_CMP_GE",
                    "SCMP_CMP_GT",
                    "SCMP_CMP_LE",
                    "SCMP_CMP_LT",
                    "SCMP_CMP_MASKED_EQ",
                    "SCMP_CMP_NE"),
            "archs", List.of("SCMP_ARCH_X86_64"),
            "knownFlags",
                List.of(
                    "SECCOMP_FILTER_FLAG_LOG",
                    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
            "supportedFlags",
                List.of(
                    "SECCOMP_FILTER_FLAG_LOG",
                    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")));
    linux.put("apparmor", Map.of("enabled", false));
    linux.put("selinux", Map.of("enabled", false));
    f.put("linux", linux);
    f.put("annotations", Map.of("org.opencontainers.runtime-spec.features.jvs", "launch-program"));
    Json.print(spec, f);
  }
}
