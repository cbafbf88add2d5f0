package dev.jvs.net;

import java.util.Arrays;
import java.util.Locale;

/** How a guest is networked (docs/networking.md). */
public enum NetMode {
  /** Own network namespace with only loopback up: the default. */
  NONE("none", true),
  /** The host's stack, unrestricted. */
  HOST("host", false),
  /** Own stack, eth0 on the root's bridge, NAT to the outside, published ports. */
  BRIDGE("bridge", true),
  /** VServer network context: the host's stack, bind/connect only with the guest's address. */
  HOST_IP("host-ip", false);

  private final String value;
  private final boolean ownStack;

  NetMode(String value, boolean ownStack) {
    this.value = value;
    this.ownStack = ownStack;
  }

  public String value() {
    return value;
  }

  /** Whether the guest gets its own network namespace. */
  public boolean ownStack() {
    return ownStack;
  }

  public static NetMode parse(String s) {
    return Arrays.stream(values())
        .filter(m -> m.value.equals(s.strip().toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown mode '" + s + "' (expected none, host, bridge or host-ip)"));
  }
}
