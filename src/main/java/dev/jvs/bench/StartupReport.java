package dev.jvs.bench;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Start-to-exit latencies of jvs and the other runtimes, measured in one interleaved run.
 *
 * @param runs timed runs per contender
 * @param warmupRounds untimed rounds before them
 * @param rows in display order, grouped by {@link Row.Group}
 * @param notes one-line facts a reader needs to interpret the rows
 */
public record StartupReport(int runs, int warmupRounds, List<Row> rows, List<String> notes) {
  public StartupReport {
    rows = List.copyOf(rows);
    notes = List.copyOf(notes);
  }

  /** runc's row of {@code group}, when runc ran. */
  public Optional<Row.Measured> reference(Row.Group group) {
    return rows.stream()
        .filter(r -> r instanceof Row.Measured m && m.reference() && m.group() == group)
        .map(Row.Measured.class::cast)
        .findFirst();
  }

  /** {@code row}'s median over runc's median of the same group. */
  public OptionalDouble ratioToRunc(Row.Measured row) {
    return reference(row.group())
        .map(r -> OptionalDouble.of(row.latency().medianMillis() / r.latency().medianMillis()))
        .orElse(OptionalDouble.empty());
  }
}
