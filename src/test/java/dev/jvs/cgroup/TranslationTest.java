package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.limits.CgroupLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TranslationTest {
  @ParameterizedTest
  @CsvSource({"2, 1", "512, 20", "1024, 39", "2048, 79", "262144, 10000"})
  void sharesToWeight(long shares, long weight) {
    assertThat(Translation.sharesToWeight(shares)).isEqualTo(weight);
  }

  @ParameterizedTest
  @CsvSource({"1, 10", "100, 19", "5000, 504", "10000, 1000"})
  void ioWeightToBlkioWeight(int io, long blkio) {
    assertThat(Translation.ioWeightToBlkioWeight(io)).isEqualTo(blkio);
  }

  @Test
  void cpuQuota() {
    assertThat(Translation.percentToQuotaUs(50)).isEqualTo(50_000);
    assertThat(Translation.cpuMax(250)).isEqualTo("250000 100000");
    assertThat(Translation.cpuMax(0)).isEqualTo("max 100000");
  }

  @Test
  void memswIsMemoryPlusSwapOrUnlimited() {
    assertThat(Translation.memswLimit(100, 50)).isEqualTo(150);
    assertThat(Translation.memswLimit(CgroupLimits.UNLIMITED, 0)).isEqualTo(CgroupLimits.UNLIMITED);
    assertThat(Translation.memswLimit(1, CgroupLimits.UNLIMITED)).isEqualTo(CgroupLimits.UNLIMITED);
    assertThat(Translation.v1Number(CgroupLimits.UNLIMITED)).isEqualTo("-1");
    assertThat(Translation.v2Number(CgroupLimits.UNLIMITED)).isEqualTo("max");
    assertThat(Translation.v1Unlimited("9223372036854771712\n")).isTrue();
    assertThat(Translation.v1Unlimited("67108864")).isFalse();
  }

  @Test
  void keyedValues() {
    assertThat(KeyedValues.parse("oom_kill_disable 0\nunder_oom 0\noom_kill 7\n"))
        .containsEntry("oom_kill", 7L)
        .hasSize(3);
    assertThat(KeyedValues.parse("max max\nusage_usec 12\n")).containsOnlyKeys("usage_usec");
  }
}
