package dev.jvs.bench;

import java.util.ArrayList;
import java.util.List;

/** A benchmark table line to be: a contender to time, or why one cannot run here (one is set). */
record Slot(Contender contender, Row.Skipped skipped) {
  static Slot of(Row.Group group, String label, Contender.Trial trial) {
    return new Slot(new Contender(group, label, false, trial), null);
  }

  static Slot reference(Row.Group group, String label, Contender.Trial trial) {
    return new Slot(new Contender(group, label, true, trial), null);
  }

  static Slot skip(Row.Group group, String label, String reason) {
    return new Slot(null, new Row.Skipped(group, label, reason));
  }

  /** The contenders among {@code slots}, in order. */
  static List<Contender> contenders(List<Slot> slots) {
    return slots.stream().map(Slot::contender).filter(c -> c != null).toList();
  }

  /** The table: each slot's row, its latency taken in order from those of its contenders. */
  static List<Row> rows(List<Slot> slots, List<Latency> latencies) {
    List<Row> rows = new ArrayList<>();
    int next = 0;
    for (Slot s : slots) {
      if (s.skipped() != null) {
        rows.add(s.skipped());
      } else {
        Contender c = s.contender();
        rows.add(new Row.Measured(c.group(), c.label(), c.reference(), latencies.get(next++)));
      }
    }
    return rows;
  }
}
