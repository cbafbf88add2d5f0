package dev.jvs.kernel.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/** System call names and numbers of one architecture. Immutable. */
public final class SyscallTable {
  private static final String X86_64_RESOURCE = "syscalls-x86_64.txt";

  private final String arch;
  private final Map<String, Integer> numbers;
  private final Map<Integer, String> names;
  private final int maxNumber;

  private SyscallTable(String arch, Map<String, Integer> numbers) {
    this.arch = arch;
    this.numbers = Map.copyOf(numbers);
    Map<Integer, String> byNumber = new TreeMap<>();
    numbers.forEach((name, nr) -> byNumber.put(nr, name));
    this.names = Map.copyOf(byNumber);
    this.maxNumber = numbers.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
  }

  /** Loaded once, on first use (holder idiom: immutable, no locking). */
  private static final class X86_64 {
    static final SyscallTable TABLE = load("x86_64", X86_64_RESOURCE);
  }

  /** The x86_64 table shipped with jvs (Linux syscall_64.tbl, common and 64-bit entries). */
  public static SyscallTable x86_64() {
    return X86_64.TABLE;
  }

  private static SyscallTable load(String arch, String resource) {
    try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      return parse(arch, reader.lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }

  /** Parses lines of {@code NUMBER NAME}; blank lines and '#' comments are skipped. */
  public static SyscallTable parse(String arch, List<String> lines) {
    Map<String, Integer> numbers = new HashMap<>();
    Map<Integer, String> seen = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).replaceFirst("#.*", "").strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\\s+");
      if (fields.length != 2 || !fields[0].matches("\\d{1,5}")) {
        throw new IllegalArgumentException(arch + " syscall table line " + (i + 1) + ": " + line);
      }
      int nr = Integer.parseInt(fields[0]);
      String name = fields[1];
      if (numbers.putIfAbsent(name, nr) != null || seen.putIfAbsent(nr, name) != null) {
        throw new IllegalArgumentException(arch + " syscall table line " + (i + 1) + ": duplicate");
      }
    }
    return new SyscallTable(arch, numbers);
  }

  public String arch() {
    return arch;
  }

  public OptionalInt number(String name) {
    Integer nr = numbers.get(name);
    return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
  }

  /** The number of {@code name}, or an IllegalArgumentException naming the call. */
  public int require(String name) {
    return number(name)
        .orElseThrow(
            () -> new IllegalArgumentException("unknown " + arch + " system call '" + name + "'"));
  }

  public Optional<String> name(int nr) {
    return Optional.ofNullable(names.get(nr));
  }

  /** The highest number in the table: calls above it are newer than jvs knows. */
  public int maxNumber() {
    return maxNumber;
  }

  public Set<String> names() {
    return numbers.keySet();
  }
}
