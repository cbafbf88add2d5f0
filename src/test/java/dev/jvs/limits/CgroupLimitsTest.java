package dev.jvs.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgroupLimitsTest {
  @Test
  void noneIsAllNullAndWithersSetOneField() {
    CgroupLimits l =
        CgroupLimits.none()
            .withCpuShares(512L)
            .withCpuLimitPercent(150)
            .withCpuCpus("0-1,3")
            .withMemoryMax(64L << 20)
            .withMemorySwapMax(0L)
            .withPidsMax(100L)
            .withIoWeight(200)
            .withIoReadBps(List.of(new DeviceRate(8, 0, 1)))
            .withIoWriteBps(List.of(new DeviceRate(8, 0, 2)))
            .withDevices(List.of(DeviceRule.chr(1, 3)));

    assertThat(CgroupLimits.none())
        .isEqualTo(
            new CgroupLimits(
                null, null, null, null, null, null, null, null, null, null, null, null));
    assertThat(l)
        .isEqualTo(
            new CgroupLimits(
                512L,
                150,
                "0-1,3",
                64L << 20,
                0L,
                100L,
                200,
                List.of(new DeviceRate(8, 0, 1)),
                List.of(new DeviceRate(8, 0, 2)),
                List.of(DeviceRule.chr(1, 3)),
                null,
                null));
    assertThat(l.withCpuShares(null).cpuShares()).isNull();
    assertThat(l.withMemoryHigh(48L << 20).memoryHigh()).isEqualTo(48L << 20);
    assertThat(l.withMemoryHigh(48L << 20).withPidsMax(7L).memoryHigh()).isEqualTo(48L << 20);
    assertThat(l.withCpuBurstPercent(50).withCpuShares(2L).cpuBurstPercent()).isEqualTo(50);
  }

  @Test
  void listsAreCopied() {
    List<DeviceRule> rules = new ArrayList<>(List.of(DeviceRule.chr(1, 3)));
    CgroupLimits l = CgroupLimits.none().withDevices(rules);
    rules.clear();

    assertThat(l.devices()).hasSize(1);
    assertThat(CgroupLimits.none().withDevices(List.of()).devices()).isEmpty();
  }

  @Test
  void rangesAreChecked() {
    CgroupLimits n = CgroupLimits.none();
    assertThatThrownBy(() -> n.withCpuShares(1L)).hasMessageContaining("cpuShares");
    assertThatThrownBy(() -> n.withCpuShares(262_145L)).hasMessageContaining("cpuShares");
    assertThatThrownBy(() -> n.withCpuLimitPercent(-1)).hasMessageContaining("cpuLimitPercent");
    assertThatThrownBy(() -> n.withCpuCpus("0-")).hasMessageContaining("cpuCpus");
    assertThatThrownBy(() -> n.withMemoryMax(0L)).hasMessageContaining("memoryMax");
    assertThatThrownBy(() -> n.withIoWeight(0)).hasMessageContaining("ioWeight");
    assertThatThrownBy(() -> n.withIoWeight(10_001)).hasMessageContaining("ioWeight");
    assertThat(n.withCpuCpus("3").cpuCpus()).isEqualTo("3");
  }

  @Test
  void deviceRules() {
    assertThat(new DeviceRule('b', -1, -1, "m").toV1Line()).isEqualTo("b *:* m");
    assertThat(DeviceRule.chr(136, DeviceRule.ANY).toV1Line()).isEqualTo("c 136:* rwm");
    assertThatThrownBy(() -> new DeviceRule('x', 1, 3, "r")).hasMessageContaining("a, b or c");
    assertThatThrownBy(() -> new DeviceRule('c', 1, 3, "rx")).hasMessageContaining("rwm");
    assertThatThrownBy(() -> new DeviceRule('c', 1, 3, "")).hasMessageContaining("rwm");
    assertThatThrownBy(() -> new DeviceRule('c', 1, 3, "rr")).hasMessageContaining("repeats");
    assertThatThrownBy(() -> new DeviceRule('a', 1, -1, "rwm")).hasMessageContaining("no numbers");
    assertThatThrownBy(() -> new DeviceRule('c', -2, 0, "r")).hasMessageContaining("major");
    assertThatThrownBy(() -> new DeviceRate(8, 0, -1)).hasMessageContaining("bytes");
  }
}
