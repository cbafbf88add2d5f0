package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The CPUs a cpu.limit implies (pure). */
class CpuViewTest {
  @Test
  void aLimitNeedsItsCeilingOfCpusFromTheNamesOffset() {
    assertThat(CpuView.cpus("web", 100, 4).split(",")).hasSize(1);
    assertThat(CpuView.cpus("web", 101, 4).split(",")).hasSize(2);
    assertThat(CpuView.cpus("web", 1, 4).split(",")).hasSize(1);
    assertThat(CpuView.cpus("web", 400, 4)).isEqualTo("0,1,2,3");
    assertThat(CpuView.cpus("web", 900, 4)).isEqualTo("0,1,2,3");
    // a run that wraps around stays sorted
    int offset = Math.floorMod("web".hashCode(), 4);
    String three = CpuView.cpus("web", 300, 4);
    assertThat(three.split(",")).hasSize(3).doesNotContain(Integer.toString((offset + 3) % 4));
    assertThat(three)
        .isEqualTo(String.join(",", java.util.Arrays.stream(three.split(",")).sorted().toList()));
  }

  @Test
  void namesSpreadOverTheCpus() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 40; i++) {
      seen.add(CpuView.cpus("guest" + i, 100, 4));
    }
    assertThat(seen).hasSize(4);
  }
}
