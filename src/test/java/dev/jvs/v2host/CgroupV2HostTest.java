package dev.jvs.v2host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupV2Driver;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Inside the cgroup v2 test host only: the host is what the suite there claims to prove. */
@Tag("kernel")
@Tag("v2host")
@EnabledIfSystemProperty(named = "jvs.v2host", matches = "true")
class CgroupV2HostTest {

  @Test
  void theV2DriverRunsOnACgroup2OnlyHierarchyWithEveryController() throws Exception {
    CgroupDriver driver = CgroupDriver.detect();
    System.out.println("cgroup driver: " + driver.describe());
    assertThat(driver).isInstanceOf(CgroupV2Driver.class);
    assertThat(((CgroupV2Driver) driver).root()).isEqualTo(Path.of("/sys/fs/cgroup"));
    assertThat(Files.readString(Path.of("/sys/fs/cgroup/cgroup.controllers")).split("\\s+"))
        .contains("cpu", "cpuset", "io", "memory", "pids");
    assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")))
        .filteredOn(l -> l.contains(" - cgroup "))
        .as("no v1 hierarchy")
        .isEmpty();
  }
}
