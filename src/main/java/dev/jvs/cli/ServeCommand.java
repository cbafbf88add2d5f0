package dev.jvs.cli;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.Guests;
import dev.jvs.guest.config.Values;
import dev.jvs.sched.Lxcfs;
import dev.jvs.sched.MemoryBudget;
import dev.jvs.sched.Service;
import dev.jvs.sched.Watchdog;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    description = {
      "Run the jvs service in the foreground: CPU scheduler (reservations), memory.anon,",
      "overbooking watchdog, lxcfs for guest-local views. Guests keep running without it."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--tick", defaultValue = "500ms", description = "how often it looks (default ${DEFAULT-VALUE})")
  String tick;

  @Option(names = "--min-available", defaultValue = "256M",
      description = "watchdog threshold of available memory (default ${DEFAULT-VALUE})")
  String minAvailable;

  @Option(names = "--budget-cgroup",
      description = "guard this memory cgroup directory's limit instead of the host's memory")
  Path budgetCgroup;

  @Option(names = "--no-lxcfs", description = "do not start lxcfs")
  boolean noLxcfs;

  @Option(names = "--stop-lxcfs",
      description = "unmount and end jvs's lxcfs instance of this JVS_RUN, then exit (guests"
          + " started with it lose their guest-local /proc view)")
  boolean stopLxcfs;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    Guests guests = Runtime.guests();
    if (stopLxcfs) {
      new Lxcfs(guests.dirs().run()).stop();
      return 0;
    }
    java.util.function.Consumer<String> log = line -> {
      out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
      out.flush();
    };
    try {
      // The watchdog must be the last thing the kernel's OOM killer would pick.
      java.nio.file.Files.writeString(Path.of("/proc/self/oom_score_adj"), "-1000");
    } catch (java.io.IOException e) {
      log.accept("cannot set oom_score_adj: " + e.getMessage());
    }
    if (!noLxcfs) {
      log.accept(new Lxcfs(guests.dirs().run()).ensure());
    }
    MemoryBudget budget = budgetCgroup == null ? new MemoryBudget.Host()
        : new MemoryBudget.CgroupScoped(budgetCgroup);
    Service service = new Service(guests, CgroupDriver.detect(), budget,
        new Watchdog(Values.size(minAvailable)), log);
    Thread main = Thread.currentThread();
    java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      main.interrupt();
    }));
    service.run(Values.duration(tick));
    log.accept("stopped; guests keep running");
    return 0;
  }
}
