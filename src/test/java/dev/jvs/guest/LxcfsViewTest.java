package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lxcfs bind mounts in a start program: present only when an instance answers. */
class LxcfsViewTest {
  private static final LaunchPlans.Layout LAYOUT =
      new LaunchPlans.Layout(Path.of("/t/rootfs"), Path.of("/g/upper"), Path.of("/g/work"),
          Path.of("/g/rootfs"), Path.of("/r"));

  private static List<Op> binds(Path lxcfs) {
    LaunchProgram p = new LaunchPlans(new byte[8], lxcfs, LaunchPlans.SharedQuotas.NONE)
        .start(GuestName.of("web1"), GuestConfig.defaults("web1", "busybox"), LAYOUT,
            List.of("/sbin/init"), true);
    return p.ops().stream()
        .filter(op -> op.fields().stream().anyMatch(f -> f.startsWith(lxcfs.toString())))
        .toList();
  }

  @Test
  void aLiveInstanceIsBoundOverTheGuestsProcAndSysFilesBeforePivotRoot(@TempDir Path lxcfs)
      throws Exception {
    Files.createDirectories(lxcfs.resolve("proc"));
    Files.writeString(lxcfs.resolve("proc/meminfo"), "MemTotal: 1 kB\n");
    Files.createDirectories(lxcfs.resolve("sys/devices/system/cpu"));
    List<Op> binds = binds(lxcfs);
    assertThat(binds).hasSize(LxcfsView.FILES.size());
    assertThat(binds).allMatch(op -> op.name().equals("mount") && op.optional());
    assertThat(binds).anySatisfy(op -> assertThat(op.fields())
        .contains(lxcfs + "/proc/meminfo", "proc/meminfo"));
  }

  @Test
  void withoutAnInstanceGuestsKeepTheHostView(@TempDir Path dir) {
    assertThat(binds(dir.resolve("lxcfs"))).isEmpty();
  }
}
