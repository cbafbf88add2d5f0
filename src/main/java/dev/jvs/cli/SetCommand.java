package dev.jvs.cli;

import dev.jvs.base.JvsException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "set",
    description = {
      "Set config and resource keys; a running guest gets new limits at once.",
      "Keys: cpu.share cpu.limit cpu.burst cpu.cpus cpu.reserve memory.rss memory.anon memory.swap",
      "      memory.memlock memory.reset pids.max",
      "      io.weight io.rbps io.wbps init hostname stop.signal stop.timeout caps.add caps.drop"
    })
final class SetCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Parameters(index = "1..*", arity = "1..*", description = "key=value …")
  List<String> assignments;

  @Override
  public Integer call() {
    guests().set(name(name), parse(name, assignments));
    return 0;
  }

  static Map<String, String> parse(String guest, List<String> assignments) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String a : assignments) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new JvsException(guest + ": expected key=value, found '" + a + "'");
      }
      out.put(a.substring(0, eq).strip(), a.substring(eq + 1).strip());
    }
    return out;
  }
}
