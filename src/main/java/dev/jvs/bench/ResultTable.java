package dev.jvs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An experiment's raw figures, one row per measurement, each with the machine it was taken on;
 * written as CSV so a reader can redo any statistic.
 */
public final class ResultTable {
  private static final List<String> HEAD = List.of("system", "metric", "unit", "round", "value");

  private final List<List<String>> rows = new ArrayList<>();

  public void add(String system, String metric, String unit, int round, double value) {
    List<String> row =
        new ArrayList<>(
            List.of(system, metric, unit, String.valueOf(round), String.format("%.6g", value)));
    row.addAll(Machine.now().cells());
    rows.add(row);
  }

  public int size() {
    return rows.size();
  }

  /** Writes the table to {@code file} through a temporary file, so a killed run leaves none. */
  public void write(Path file) {
    StringBuilder s = new StringBuilder();
    List<String> head = new ArrayList<>(HEAD);
    head.addAll(Machine.COLUMNS);
    s.append(String.join(",", head)).append('\n');
    for (List<String> row : rows) {
      s.append(String.join(",", row.stream().map(ResultTable::quote).toList())).append('\n');
    }
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, s);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  private static String quote(String cell) {
    return cell.contains(",") || cell.contains("\"")
        ? "\"" + cell.replace("\"", "\"\"") + "\""
        : cell;
  }
}
