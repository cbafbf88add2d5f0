package dev.jvs.cli;

import dev.jvs.image.Templates;
import dev.jvs.image.Unifier;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "unify",
    description = "Store identical files across templates once (hard links); prints bytes saved.")
final class UnifyCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Templates templates = new Templates(guests().dirs().templates());
    Unifier.Result r = Unifier.unify(templates);
    spec.commandLine()
        .getOut()
        .printf(
            "unified %d of %d files, %d bytes saved (%s)%n",
            r.filesLinked(), r.filesScanned(), r.bytesSaved(), Format.bytes(r.bytesSaved()));
    return 0;
  }
}
