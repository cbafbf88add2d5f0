package dev.jvs.oci.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.oci.OciConfig;
import dev.jvs.oci.OciConfigReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "update", description = "Change a running container's resource limits.")
final class OciUpdateCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Option(
      names = {"--resources", "-r"},
      description = "linux.resources JSON file ('-' = stdin)")
  String resources;

  @Option(names = "--memory")
  Long memory;

  @Option(names = "--memory-swap")
  Long memorySwap;

  @Option(names = "--cpu-shares")
  Long cpuShares;

  @Option(names = "--cpu-quota")
  Long cpuQuota;

  @Option(names = "--cpu-period")
  Long cpuPeriod;

  @Option(names = "--cpuset-cpus")
  String cpusetCpus;

  @Option(names = "--pids-limit")
  Long pidsLimit;

  @Override
  public void run() {
    OciConfig.Resources r;
    if (resources != null) {
      ObjectMapper m = OciConfigReader.mapper();
      try {
        byte[] json =
            resources.equals("-")
                ? main.caller.in().readAllBytes()
                : Files.readAllBytes(main.path(resources));
        r = m.readValue(json, OciConfig.Resources.class);
      } catch (IOException e) {
        throw new UncheckedIOException("--resources: " + e.getMessage(), e);
      }
    } else {
      r =
          new OciConfig.Resources(
              null,
              memory == null && memorySwap == null
                  ? null
                  : new OciConfig.Memory(
                      memory, null, memorySwap, null, null, null, null, null, null),
              cpuShares == null && cpuQuota == null && cpusetCpus == null
                  ? null
                  : new OciConfig.Cpu(
                      cpuShares, cpuQuota, null, cpuPeriod, null, null, cpusetCpus, null, null),
              pidsLimit == null ? null : new OciConfig.Pids(pidsLimit),
              null,
              null,
              null,
              null,
              null);
    }
    main.containers().update(id, r);
  }
}
