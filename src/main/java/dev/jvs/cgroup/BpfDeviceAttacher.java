package dev.jvs.cgroup;

import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import dev.jvs.limits.DeviceRule;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads the allow-list as a cgroup device program and attaches it with BPF_F_ALLOW_MULTI, then
 * detaches the programs it replaces, so the cgroup is never without a filter while re-applying.
 */
final class BpfDeviceAttacher implements DeviceAttacher {
  @Override
  public void restrict(Path cgroupDir, List<DeviceRule> rules) {
    String what = "device program on " + cgroupDir;
    try (Fd cgroup = Fd.open(cgroupDir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY)) {
      int[] old = BpfSyscall.progQuery(cgroup, BpfSyscall.ATTACH_CGROUP_DEVICE, what);
      try (Fd prog =
          BpfSyscall.progLoad(
              BpfSyscall.PROG_TYPE_CGROUP_DEVICE,
              BpfSyscall.ATTACH_CGROUP_DEVICE,
              DeviceProgram.assemble(rules),
              "jvs_devices")) {
        BpfSyscall.progAttach(
            cgroup, prog, BpfSyscall.ATTACH_CGROUP_DEVICE, BpfSyscall.F_ALLOW_MULTI, what);
      }
      for (int id : old) {
        try (Fd prog = BpfSyscall.progFdById(id)) {
          BpfSyscall.progDetach(cgroup, prog, BpfSyscall.ATTACH_CGROUP_DEVICE, what);
        }
      }
    } catch (KernelException e) {
      throw new CgroupException("devices: " + e.getMessage(), "devices", e.errno());
    }
  }
}
