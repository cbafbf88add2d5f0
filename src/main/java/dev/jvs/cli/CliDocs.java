package dev.jvs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes what the Debian package installs beside the programs (tools/deb): the man pages man1/jvs.1
 * and man1/jvs-oci.1 and the bash completions completions/jvs and completions/jvs-oci, all from the
 * picocli command trees. Usage: {@code java -cp jvs.jar dev.jvs.cli.CliDocs DIR}.
 */
public final class CliDocs {
  private CliDocs() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: CliDocs OUTPUT-DIRECTORY");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    write(dir, "jvs", CommandTrees.jvs());
    write(dir, "jvs-oci", CommandTrees.oci());
  }

  private static void write(Path dir, String name, CommandLine tree) throws IOException {
    Files.createDirectories(dir.resolve("man1"));
    Files.createDirectories(dir.resolve("completions"));
    Files.writeString(dir.resolve("man1").resolve(name + ".1"), new ManPage(tree).troff());
    Files.writeString(dir.resolve("completions").resolve(name), AutoComplete.bash(name, tree));
  }
}
