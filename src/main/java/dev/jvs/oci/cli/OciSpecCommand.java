package dev.jvs.oci.cli;

import dev.jvs.oci.DefaultSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a starting config.json, like runc spec: sh in a rootfs directory, restricted root. */
@Command(name = "spec", description = "Write a default config.json into the bundle directory.")
final class OciSpecCommand implements Runnable {
  @Option(
      names = {"--bundle", "-b"},
      defaultValue = ".")
  Path bundle;

  @Option(names = "--rootless", description = "unsupported")
  boolean rootless;

  @Override
  public void run() {
    if (rootless) {
      throw new IllegalArgumentException("--rootless is not supported by jvs");
    }
    Path file = bundle.resolve("config.json");
    try {
      Files.writeString(
          file, DefaultSpec.JSON, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException("File config.json exists. Remove it first");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
