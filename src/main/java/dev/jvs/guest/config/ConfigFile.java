package dev.jvs.guest.config;

import dev.jvs.base.AtomicFiles;
import dev.jvs.image.TemplateName;
import dev.jvs.kernel.Capability;
import dev.jvs.kernel.Signal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes guest.conf: `key = value` lines, `#` comments (docs/guest-config.md). Updates
 * keep the user's comments and order; every error names the file, line and field.
 */
public final class ConfigFile {
  public static final String FILE_NAME = "guest.conf";

  private final ResourceValidator resources;

  public ConfigFile(ResourceValidator resources) {
    this.resources = resources;
  }

  public GuestConfig read(Path file, String guestName) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": missing");
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
    return parse(file.toString(), lines, guestName);
  }

  /** Parses lines; {@code source} names the file in errors. */
  public GuestConfig parse(String source, List<String> lines, String guestName) {
    try {
      return parseLines(source, lines, guestName);
    } catch (IllegalArgumentException e) { // keys that need each other: no one line to name
      throw new ConfigException(source + ": " + e.getMessage());
    }
  }

  /**
   * As {@link #parse}, but keys that need each other fail with an IllegalArgumentException: for
   * {@link #update}, whose caller names the change it was asked for.
   */
  private GuestConfig parseLines(String source, List<String> lines, String guestName) {
    Draft draft = new Draft(guestName);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String where = source + ":" + (i + 1);
      if (eq <= 0) {
        throw new ConfigException(where + ": expected 'key = value', found '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      try {
        draft.set(key, value);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ": " + key + ": " + e.getMessage());
      }
    }
    return draft.build();
  }

  /** Validates one key=value as `jvs set` receives it; throws IllegalArgumentException. */
  public void validate(String key, String value) {
    new Draft("x").set(key, value);
  }

  /** Writes a fresh, commented config for a new guest. */
  public void create(Path file, GuestConfig config) {
    StringBuilder out = new StringBuilder();
    out.append("# jvs guest configuration: key = value; see docs/guest-config.md.\n");
    out.append("# Resource keys (cpu.share, memory.rss, pids.max, ...) are set with `jvs set`.\n");
    out.append("template = ").append(config.template()).append('\n');
    out.append("init = ").append(CommandLine.join(config.init())).append('\n');
    out.append("hostname = ").append(config.hostname()).append('\n');
    out.append("stop.signal = ").append(Signal.name(config.stopSignal())).append('\n');
    out.append("stop.timeout = ").append(Values.formatDuration(config.stopTimeout())).append('\n');
    // always written: a new guest is unprivileged, but a config without the key means privileged
    // (guests built before the key existed keep their mode)
    out.append("security.privileged = ").append(config.privileged()).append('\n');
    config.resources().forEach((k, v) -> out.append(k).append(" = ").append(v).append('\n'));
    AtomicFiles.write(file, out.toString());
  }

  /**
   * Sets keys in an existing file: a key's line is replaced in place, new keys are appended. The
   * result is parsed before it replaces the file, so a bad value changes nothing.
   */
  public GuestConfig update(Path file, String guestName, Map<String, String> changes) {
    List<String> lines;
    try {
      lines = new ArrayList<>(Files.readAllLines(file));
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
    Map<String, String> pending = new LinkedHashMap<>(changes);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      int eq = line.indexOf('=');
      if (line.startsWith("#") || eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      if (pending.containsKey(key)) {
        lines.set(i, key + " = " + pending.remove(key));
      }
    }
    pending.forEach((k, v) -> lines.add(k + " = " + v));
    GuestConfig config = parseLines(file.toString(), lines, guestName);
    AtomicFiles.write(file, String.join("\n", lines) + "\n");
    return config;
  }

  /** Accumulates parsed fields; knows every key and its value type. */
  private final class Draft {
    private String template = "busybox";
    private List<String> init = GuestConfig.DEFAULT_INIT;
    private String hostname;
    private int stopSignal = Signal.SIGTERM;
    private Duration stopTimeout = GuestConfig.DEFAULT_STOP_TIMEOUT;
    private Set<Capability> capsAdd = Set.of();
    private Set<Capability> capsDrop = Set.of();
    private final Map<String, String> resourceValues = new LinkedHashMap<>();
    private boolean autostart;
    private int bootOrder;
    private Duration bootDelay = Duration.ZERO;
    private Duration scriptsTimeout = GuestConfig.DEFAULT_SCRIPTS_TIMEOUT;
    private boolean privileged = true;

    Draft(String guestName) {
      this.hostname = guestName;
    }

    void set(String key, String value) {
      switch (key) {
        case "template" -> template = TemplateName.validate(value);
        case "init" -> {
          init = CommandLine.split(value);
          if (init.isEmpty()) {
            throw new IllegalArgumentException("a command is required");
          }
        }
        case "hostname" -> hostname = hostname(value);
        case "stop.signal" -> stopSignal = StopSignal.parse(value);
        case "stop.timeout" -> stopTimeout = Values.duration(value);
        case "caps.add" -> capsAdd = capabilities(value);
        case "caps.drop" -> capsDrop = capabilities(value);
        case "boot.autostart" -> autostart = BootOrder.flag(value);
        case "boot.order" -> bootOrder = BootOrder.order(value);
        case "boot.delay" -> bootDelay = BootOrder.delay(value);
        case "scripts.timeout" -> scriptsTimeout = scriptsTimeout(value);
        case "security.privileged" -> privileged = bool(value);
        default -> {
          ResourceKey resource =
              ResourceKey.find(key).orElseThrow(() -> new IllegalArgumentException("unknown key"));
          resourceValues.put(key, resources.validate(resource, value));
        }
      }
    }

    GuestConfig build() {
      resources.validateTogether(resourceValues);
      return new GuestConfig(
          template,
          init,
          hostname,
          stopSignal,
          stopTimeout,
          capsAdd,
          capsDrop,
          resourceValues,
          new BootOrder(autostart, bootOrder, bootDelay),
          scriptsTimeout,
          privileged);
    }
  }

  /** A script that may run forever would hold the guest's lock forever: the limit is kept. */
  private static Duration scriptsTimeout(String value) {
    Duration d = Values.duration(value);
    if (d.isZero() || d.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "must be more than 0 and at most 1h, found '" + value + "'");
    }
    return d;
  }

  private static boolean bool(String value) {
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException("expected true or false, found '" + value + "'");
    };
  }

  private static String hostname(String value) {
    if (!value.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})")) {
      throw new IllegalArgumentException("invalid hostname '" + value + "'");
    }
    return value;
  }

  private static Set<Capability> capabilities(String value) {
    Set<Capability> caps = EnumSet.noneOf(Capability.class);
    for (String part : value.split("[,\\s]+")) {
      if (!part.isEmpty()) {
        caps.add(Capability.parse(part));
      }
    }
    return caps;
  }
}
