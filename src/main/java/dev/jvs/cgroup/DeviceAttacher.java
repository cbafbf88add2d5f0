package dev.jvs.cgroup;

import dev.jvs.limits.DeviceRule;
import java.nio.file.Path;
import java.util.List;

/** Enforces a device allow-list on a cgroup2 directory; a seam so fake trees need no BPF. */
interface DeviceAttacher {
  void restrict(Path cgroupDir, List<DeviceRule> rules);
}
