package dev.jvs.guest;

/**
 * The host ids an unprivileged guest's ids 0..size-1 map to: {@code base} and on, the same numbers
 * for users and groups.
 */
public record IdRange(long base, long size) {
  /** Every guest's range: 0..65535 inside, as a whole distribution expects. */
  public static final long SIZE = 65536;

  public IdRange {
    if (base <= 0 || size <= 0 || base + size > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("bad id range " + base + "+" + size);
    }
  }

  public long end() {
    return base + size;
  }

  public boolean overlaps(IdRange o) {
    return base < o.end() && o.base < end();
  }

  public boolean within(IdRange o) {
    return base >= o.base && end() <= o.end();
  }

  /** The host id of the guest's id {@code id} (0..size-1). */
  public long host(long id) {
    if (id < 0 || id >= size) {
      throw new IllegalArgumentException("id " + id + " is outside the guest's " + size + " ids");
    }
    return base + id;
  }

  /** The uid_map/gid_map text: guest 0 is host {@code base}. */
  public String map() {
    return "0 " + base + " " + size + "\n";
  }

  /** As `jvs status` shows it, the kernel's uid_map line. */
  @Override
  public String toString() {
    return "0 " + base + " " + size;
  }
}
