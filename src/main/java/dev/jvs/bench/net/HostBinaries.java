package dev.jvs.bench.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Copies a host binary and the shared libraries ldd names into a guest's private layer. */
public final class HostBinaries {
  private static final Pattern PATH = Pattern.compile("(/\\S+)");

  private HostBinaries() {}

  public static void install(Path upper, String binary) {
    List<String> files = new ArrayList<>(List.of(binary));
    try {
      Process ldd = new ProcessBuilder("ldd", binary).redirectErrorStream(true).start();
      String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (ldd.waitFor() != 0) {
        throw new IllegalStateException("ldd " + binary + ": " + out.strip());
      }
      for (String line : out.lines().toList()) {
        Matcher m = PATH.matcher(line);
        if (m.find()) {
          files.add(m.group(1));
        }
      }
      for (String f : files) {
        Path target = upper.resolve(f.substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(Path.of(f).toRealPath(), target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
