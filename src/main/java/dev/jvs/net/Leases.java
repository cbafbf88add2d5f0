package dev.jvs.net;

import dev.jvs.base.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which guest holds which address: one file per address under $JVS_ROOT/net/leases, holding the
 * guest's name. A guest keeps its address across restarts; the lease of a guest that no longer
 * exists (no guests/NAME directory) is free again. Callers hold the network lock.
 */
final class Leases {
  private final Path dir;
  private final Path guests;

  Leases(Path root) {
    this.dir = root.resolve("net").resolve("leases");
    this.guests = root.resolve("guests");
  }

  /**
   * The guest's address: {@code wanted} if given (it must be assignable in {@code subnet} and not
   * held by another guest), else the one it held before, else the lowest free one.
   */
  Ipv4 acquire(String guest, Subnet subnet, Ipv4 wanted) {
    Map<Ipv4, String> held = held();
    Optional<Ipv4> previous =
        held.entrySet().stream()
            .filter(e -> e.getValue().equals(guest))
            .map(Map.Entry::getKey)
            .filter(subnet::assignable)
            .sorted()
            .findFirst();
    Ipv4 chosen;
    if (wanted != null) {
      if (!subnet.assignable(wanted)) {
        throw new NetException(
            "net.ip: "
                + wanted
                + " is not a guest address in the subnet "
                + subnet
                + " (network, gateway "
                + subnet.gateway()
                + " and broadcast excluded)");
      }
      String owner = held.get(wanted);
      if (owner != null && !owner.equals(guest)) {
        throw new NetException("net.ip: " + wanted + " is taken by guest " + owner);
      }
      chosen = wanted;
    } else if (previous.isPresent()) {
      chosen = previous.get();
    } else {
      chosen = null;
      for (long i = 2; i < subnet.size() - 1; i++) {
        Ipv4 a = subnet.network().plus((int) i);
        if (!held.containsKey(a)) {
          chosen = a;
          break;
        }
      }
      if (chosen == null) {
        throw new NetException("no free address left in the subnet " + subnet);
      }
    }
    for (Map.Entry<Ipv4, String> e : held.entrySet()) {
      if (e.getValue().equals(guest) && !e.getKey().equals(chosen)) {
        delete(e.getKey());
      }
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
    AtomicFiles.write(dir.resolve(chosen.toString()), guest + "\n");
    return chosen;
  }

  /** The address a guest holds, if any (the lowest, should it hold several). */
  Optional<Ipv4> of(String guest) {
    return held().entrySet().stream()
        .filter(e -> e.getValue().equals(guest))
        .map(Map.Entry::getKey)
        .sorted()
        .findFirst();
  }

  /** Leases of existing guests; leases of deleted guests are removed on the way. */
  private Map<Ipv4, String> held() {
    Map<Ipv4, String> out = new HashMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        String guest = Files.readString(f).strip();
        if (guest.isEmpty() || !Files.isDirectory(guests.resolve(guest))) {
          Files.deleteIfExists(f);
        } else {
          out.put(Ipv4.parse(name), guest);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  private void delete(Ipv4 a) {
    try {
      Files.deleteIfExists(dir.resolve(a.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
