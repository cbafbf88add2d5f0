package dev.jvs.api;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The clients trusted on the API's TCP listener (`jvs trust add|list|remove`): one file per client
 * under $JVS_ROOT/trust, holding the SHA-256 of its bearer token, never the token itself. Read on
 * every request, so a removal revokes at once.
 */
public final class TrustedClients {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final String SUFFIX = ".sha256";

  private final Path dir;

  public TrustedClients(Path jvsRoot) {
    this.dir = jvsRoot.resolve("trust");
  }

  /** Trusts a new client {@code name}; returns its token, which is shown once and not kept. */
  public String add(String name) {
    checkName(name);
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    String token = "jvs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Path file = dir.resolve(name + SUFFIX);
      Files.writeString(
          file, HexFormat.of().formatHex(sha256(token)) + "\n", StandardOpenOption.CREATE_NEW);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (FileAlreadyExistsException e) {
      throw new JvsException("trust: " + name + ": already trusted (remove it first)");
    } catch (IOException e) {
      throw new JvsException("trust: " + dir + ": " + e.getMessage(), e);
    }
    return token;
  }

  /** Revokes {@code name}'s token. */
  public void remove(String name) {
    checkName(name);
    try {
      if (!Files.deleteIfExists(dir.resolve(name + SUFFIX))) {
        throw new JvsException("trust: " + name + ": no such client");
      }
    } catch (IOException e) {
      throw new JvsException("trust: " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The trusted clients' names, sorted. */
  public List<String> list() {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        names.add(n.substring(0, n.length() - SUFFIX.length()));
      }
    } catch (IOException e) {
      throw new JvsException("trust: " + dir + ": " + e.getMessage(), e);
    }
    names.sort(null);
    return names;
  }

  /** The client whose token {@code token} is, if any (compared in constant time). */
  public Optional<String> verify(String token) {
    if (token == null || token.isEmpty() || token.length() > 200) {
      return Optional.empty();
    }
    byte[] presented = sha256(token);
    for (String name : list()) {
      try {
        byte[] stored =
            HexFormat.of().parseHex(Files.readString(dir.resolve(name + SUFFIX)).strip());
        if (MessageDigest.isEqual(stored, presented)) {
          return Optional.of(name);
        }
      } catch (IOException | IllegalArgumentException e) {
        // removed meanwhile, or not ours: not a match
      }
    }
    return Optional.empty();
  }

  private static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new JvsException(
          "trust: invalid client name '"
              + ErrorStatus.line(String.valueOf(name))
              + "': use letters, digits, '.', '-' and '_', starting with a letter or digit");
    }
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
