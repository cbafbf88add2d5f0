package dev.jvs.oci;

import java.util.List;
import java.util.Map;

/**
 * The part of an OCI runtime-spec 1.x config.json that jvs implements, field by field. Jackson
 * rejects any field not declared here, so an unsupported field is an error, never ignored; fields
 * declared but only partly supported are checked by {@link OciValidator}.
 */
public record OciConfig(
    String ociVersion,
    Process process,
    Root root,
    String hostname,
    String domainname,
    List<Mount> mounts,
    Hooks hooks,
    Map<String, String> annotations,
    Linux linux) {

  public record Process(
      Boolean terminal,
      ConsoleSize consoleSize,
      User user,
      List<String> args,
      List<String> env,
      String cwd,
      Capabilities capabilities,
      List<Rlimit> rlimits,
      Boolean noNewPrivileges,
      String apparmorProfile,
      Integer oomScoreAdj,
      String selinuxLabel) {}

  public record ConsoleSize(Integer height, Integer width) {}

  public record User(
      Long uid, Long gid, Integer umask, List<Long> additionalGids, String username) {}

  public record Capabilities(
      List<String> bounding,
      List<String> effective,
      List<String> inheritable,
      List<String> permitted,
      List<String> ambient) {}

  public record Rlimit(String type, Long hard, Long soft) {}

  public record Root(String path, Boolean readonly) {}

  public record Mount(String destination, String type, String source, List<String> options) {}

  public record Hooks(
      List<Hook> prestart,
      List<Hook> createRuntime,
      List<Hook> createContainer,
      List<Hook> startContainer,
      List<Hook> poststart,
      List<Hook> poststop) {}

  public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

  public record Linux(
      List<Namespace> namespaces,
      List<IdMapping> uidMappings,
      List<IdMapping> gidMappings,
      List<Device> devices,
      String cgroupsPath,
      Resources resources,
      Map<String, String> sysctl,
      Seccomp seccomp,
      String rootfsPropagation,
      List<String> maskedPaths,
      List<String> readonlyPaths,
      String mountLabel) {}

  public record Namespace(String type, String path) {}

  public record IdMapping(Long containerID, Long hostID, Long size) {}

  public record Device(
      String type, String path, Long major, Long minor, Integer fileMode, Long uid, Long gid) {}

  public record Resources(
      List<DeviceCgroup> devices,
      Memory memory,
      Cpu cpu,
      Pids pids,
      BlockIo blockIO,
      List<HugepageLimit> hugepageLimits,
      Object network,
      Object rdma,
      Map<String, String> unified) {}

  public record DeviceCgroup(Boolean allow, String type, Long major, Long minor, String access) {}

  public record Memory(
      Long limit,
      Long reservation,
      Long swap,
      Long kernel,
      Long kernelTCP,
      Long swappiness,
      Boolean disableOOMKiller,
      Boolean useHierarchy,
      Boolean checkBeforeUpdate) {}

  public record Cpu(
      Long shares,
      Long quota,
      Long burst,
      Long period,
      Long realtimeRuntime,
      Long realtimePeriod,
      String cpus,
      String mems,
      Long idle) {}

  public record Pids(Long limit) {}

  public record BlockIo(
      Integer weight,
      Integer leafWeight,
      List<Object> weightDevice,
      List<ThrottleDevice> throttleReadBpsDevice,
      List<ThrottleDevice> throttleWriteBpsDevice,
      List<ThrottleDevice> throttleReadIOPSDevice,
      List<ThrottleDevice> throttleWriteIOPSDevice) {}

  public record ThrottleDevice(Long major, Long minor, Long rate) {}

  public record HugepageLimit(String pageSize, Long limit) {}

  public record Seccomp(
      String defaultAction,
      Integer defaultErrnoRet,
      List<String> architectures,
      List<String> flags,
      String listenerPath,
      String listenerMetadata,
      List<SeccompSyscall> syscalls) {}

  public record SeccompSyscall(
      List<String> names, String action, Integer errnoRet, List<SeccompArg> args) {}

  public record SeccompArg(Integer index, Long value, Long valueTwo, String op) {}
}
