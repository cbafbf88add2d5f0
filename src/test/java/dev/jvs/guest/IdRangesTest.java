package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdRangesTest {
  @TempDir Path dir;

  @Test
  void rangesAreDisjointPersistentAndReused() {
    IdRanges ranges = new IdRanges(dir);
    IdRange a = ranges.acquire(GuestName.of("a"));
    IdRange b = ranges.acquire(GuestName.of("b"));
    assertThat(a).isEqualTo(new IdRange(1_000_000, 65536));
    assertThat(b).isEqualTo(new IdRange(1_065_536, 65536));
    assertThat(new IdRanges(dir).acquire(GuestName.of("a"))).isEqualTo(a); // read back
    ranges.release(GuestName.of("a"));
    assertThat(ranges.find(GuestName.of("a"))).isEmpty();
    assertThat(ranges.acquire(GuestName.of("c"))).isEqualTo(a);
    assertThat(ranges.find(GuestName.of("b"))).contains(b);
  }

  @Test
  void allocationStaysInsideRootsSubordinateRanges() throws Exception {
    Path subuid =
        Files.writeString(dir.resolve("subuid"), "alice:100000:65536\nroot:200000:140000\n");
    Path subgid = Files.writeString(dir.resolve("subgid"), "0:150000:200000\n");
    List<IdRange> windows = SubordinateIds.windows(subuid, subgid);
    assertThat(windows).containsExactly(new IdRange(200000, 140000));
    IdRanges ranges = new IdRanges(dir, () -> windows);
    assertThat(ranges.acquire(GuestName.of("a"))).isEqualTo(new IdRange(200000, 65536));
    assertThat(ranges.acquire(GuestName.of("b"))).isEqualTo(new IdRange(265536, 65536));
    assertThatThrownBy(() -> ranges.acquire(GuestName.of("c")))
        .isInstanceOf(JvsException.class)
        .hasMessageStartingWith("c: no free range of 65536 ids");
  }

  @Test
  void withoutEntriesForRootTheDefaultWindowApplies() throws Exception {
    Path subuid = Files.writeString(dir.resolve("subuid"), "alice:100000:65536\n");
    assertThat(SubordinateIds.windows(subuid, dir.resolve("missing")))
        .containsExactly(SubordinateIds.DEFAULT_WINDOW);
  }

  /**
   * Claimed ranges need not sit on the slots acquire hands out: one across two slots takes both,
   * and acquire finds the lowest slot that overlaps nothing, in any order of the file.
   */
  @Test
  void acquireSkipsEverySlotAClaimedRangeOverlaps() {
    IdRanges ranges = new IdRanges(dir);
    long slot = 65536;
    ranges.claim(GuestName.of("late"), new IdRange(1_000_000 + 5 * slot, slot));
    ranges.claim(GuestName.of("across"), new IdRange(1_000_000 + slot / 2, slot)); // slots 0, 1
    ranges.claim(GuestName.of("third"), new IdRange(1_000_000 + 2 * slot, slot));
    assertThat(ranges.acquire(GuestName.of("a")))
        .isEqualTo(new IdRange(1_000_000 + 3 * slot, slot));
    assertThat(ranges.acquire(GuestName.of("b")))
        .isEqualTo(new IdRange(1_000_000 + 4 * slot, slot));
    assertThat(ranges.acquire(GuestName.of("c")))
        .isEqualTo(new IdRange(1_000_000 + 6 * slot, slot));
  }

  /** A checkpoint's range (criu restores its map): kept when free here, refused otherwise. */
  @Test
  void aClaimedRangeIsKeptWhenFreeAndRefusedInOneLineOtherwise() {
    IdRanges ranges = new IdRanges(dir);
    IdRange held = ranges.acquire(GuestName.of("holder"));
    IdRange wanted = new IdRange(1_131_072, 65536);
    assertThat(ranges.claim(GuestName.of("moved"), wanted)).isEqualTo(wanted);
    assertThat(new IdRanges(dir).find(GuestName.of("moved"))).contains(wanted); // persisted
    assertThat(ranges.claim(GuestName.of("moved"), wanted)).isEqualTo(wanted); // its own: again
    assertThat(ranges.acquire(GuestName.of("next"))).isEqualTo(new IdRange(1_065_536, 65536));
    assertThatThrownBy(() -> ranges.claim(GuestName.of("other"), held))
        .isInstanceOf(JvsException.class)
        .hasMessageStartingWith(
            "other: its checkpoint ran with host ids 0 1000000 65536 (criu restores that map), but"
                + " guest holder holds 0 1000000 65536 here")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> ranges.requireClaimable(GuestName.of("moved"), held))
        .hasMessageContaining("but this host gave it 0 1131072 65536");
    assertThatThrownBy(() -> ranges.claim(GuestName.of("far"), new IdRange(10_000, 65536)))
        .hasMessageContaining("outside root's /etc/subuid");
    assertThat(ranges.find(GuestName.of("other"))).isEmpty();
    assertThat(ranges.find(GuestName.of("far"))).isEmpty();
  }

  @Test
  void aDamagedFileIsNamedWithItsLine() throws Exception {
    Files.writeString(dir.resolve(IdRanges.FILE_NAME), "# comment\nweb1 notanumber\n");
    assertThatThrownBy(() -> new IdRanges(dir).acquire(GuestName.of("x")))
        .isInstanceOf(JvsException.class)
        .hasMessage(
            dir.resolve(IdRanges.FILE_NAME) + ":2: expected 'NAME BASE', found 'web1 notanumber'");
  }
}
