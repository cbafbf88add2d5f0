package dev.jvs.migrate;

import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.guest.IdRange;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.image.BusyboxTemplate;
import dev.jvs.image.TemplateName;
import dev.jvs.image.Templates;
import dev.jvs.image.Trees;
import dev.jvs.kernel.FileLock;
import dev.jvs.runtime.Checkpoints;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The destination's side of a migration (docs/migration.md). What arrives is staged in
 * $JVS_ROOT/incoming/NAME (root-only, never mounted on): the guest's config, private layer and
 * checkpoint images, and the template when this host lacks it. Only the restore step makes it a
 * guest here; if that restore fails the guest is deleted again, so the source may resume its own. A
 * service that died with a migration staged drops it at its next start.
 */
public final class IncomingMigrations {
  static final String FILES = "files";
  static final String TEMPLATE = "template";

  /** The private layer and config, sent before the freeze; {@link #FILES} then adds the rest. */
  static final String LAYER = "layer";

  /** Bytes that go nowhere, before the freeze ({@link Migration}'s warm-up); at most this many. */
  static final String WARM_UP = "warm-up";

  static final int WARM_UP_MAX = 16 << 20;

  private static final String TEMPLATE_NAME = "template-name";

  private final Guests guests;
  private final Templates templates;
  private final Path incoming;

  public IncomingMigrations(Guests guests) {
    this.guests = guests;
    this.templates = new Templates(guests.dirs().templates());
    this.incoming = guests.dirs().root().resolve("incoming");
  }

  /** Drops what a service that died mid-migration had staged (nothing there is ever mounted). */
  public void dropAbandoned() {
    Trees.deleteIfExists(incoming);
  }

  /**
   * Accepts a migration of guest {@code name} built from {@code template}, running with host ids
   * {@code ids} (unprivileged) or as host root: refused when a guest of that name exists here, or
   * when another guest here holds those ids. Returns whether this host has the template (else it
   * must be sent).
   */
  public synchronized boolean begin(GuestName name, String template, Optional<IdRange> ids) {
    TemplateName.check(template);
    if (Files.exists(guests.dirs().guest(name))) {
      throw new JvsException(name + ": already exists on this host");
    }
    ids.ifPresent(r -> guests.requireIdRangeFree(name, r));
    Path dir = staging(name);
    Trees.deleteIfExists(dir); // an earlier attempt's
    try {
      Files.createDirectories(incoming);
      Files.setPosixFilePermissions(incoming, PosixFilePermissions.fromString("rwx------"));
      Files.createDirectories(dir.resolve(FILES));
      Files.createDirectories(dir.resolve(TEMPLATE));
      Files.writeString(dir.resolve(TEMPLATE_NAME), template);
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + e.getMessage(), e);
    }
    if (template.equals(BusyboxTemplate.NAME)) {
      templates.ensure(template); // made on first use: here, not while the guest is frozen
    }
    return hasTemplate(template);
  }

  /**
   * Unpacks a tar of {@code part} of a begun migration: {@link #LAYER} (the guest's files while it
   * ran) and then {@link #FILES} (what changed since, and its images), both incremental dumps into
   * the same directory, or {@link #TEMPLATE}.
   */
  public void receive(GuestName name, String part, InputStream tar) {
    if (part.equals(WARM_UP)) {
      drain(name, tar);
      return;
    }
    if (!part.equals(FILES) && !part.equals(LAYER) && !part.equals(TEMPLATE)) {
      throw new JvsException(name + ": no such part of a migration: " + part);
    }
    boolean guestFiles = !part.equals(TEMPLATE);
    Path dir = begun(name).resolve(guestFiles ? FILES : TEMPLATE);
    try {
      TarStream.extract(tar, dir, name + ": " + part, guestFiles);
    } catch (RuntimeException e) {
      abort(name); // what arrived is useless now; the source resumes its guest
      throw e;
    }
  }

  /**
   * Makes the staged guest a guest of this host and restores it from its images; on failure it is
   * gone again and the failure says why. Returns once it runs: its status is not read, since with
   * post-copy its memory is arriving then and a status read waited for it (0.3 s of downtime).
   */
  public void restore(GuestName name) {
    restore(name, Optional.empty());
  }

  /**
   * As above; with {@code pages} a post-copy restore: the images hold no memory, which a criu
   * lazy-pages daemon here fetches from the source's page relay at that address.
   */
  public void restore(GuestName name, Optional<InetSocketAddress> pages) {
    Path dir = begun(name);
    Path files = dir.resolve(FILES);
    String template;
    try {
      template = Files.readString(dir.resolve(TEMPLATE_NAME)).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + e.getMessage(), e);
    }
    for (String need : new String[] {ConfigFile.FILE_NAME, "upper", "checkpoint"}) {
      if (!Files.exists(files.resolve(need))) {
        abort(name);
        throw new JvsException(name + ": the migration's files lack " + need);
      }
    }
    if (!Checkpoints.exists(files.resolve("checkpoint"))) {
      abort(name);
      throw new JvsException(name + ": the migration's files hold no checkpoint");
    }
    boolean built = false;
    try {
      adoptTemplate(template, dir.resolve(TEMPLATE));
      guests.build(name, template);
      built = true;
      Trace.mark("guest built");
      Path guest = guests.dirs().guest(name);
      Files.delete(guest.resolve("upper")); // empty: just built
      Files.move(files.resolve("upper"), guest.resolve("upper"));
      Files.move(files.resolve("checkpoint"), guest.resolve("checkpoint"));
      Files.move(
          files.resolve(ConfigFile.FILE_NAME),
          guest.resolve(ConfigFile.FILE_NAME),
          StandardCopyOption.REPLACE_EXISTING);
      guests.config(name); // the source's config must parse here
      Trace.mark("files moved in");
      guests.restore(name, Optional.empty(), pages);
      Trees.deleteIfExists(dir);
    } catch (IOException | RuntimeException e) {
      if (built) {
        try {
          guests.delete(name, true);
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      Trees.deleteIfExists(dir);
      if (e instanceof JvsException j) {
        throw j;
      }
      throw new JvsException(name + ": restore here: " + e.getMessage(), e);
    }
  }

  /** Reads and drops a begun migration's warm-up, refusing more than {@link #WARM_UP_MAX}. */
  private void drain(GuestName name, InputStream in) {
    begun(name);
    byte[] buf = new byte[64 << 10];
    long total = 0;
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        total += n;
        if (total > WARM_UP_MAX) {
          throw new JvsException(name + ": a warm-up of more than " + WARM_UP_MAX + " bytes");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + WARM_UP + ": " + e.getMessage(), e);
    }
  }

  /** Drops a staged migration (the source gave up); nothing of it stays. */
  public synchronized void abort(GuestName name) {
    Trees.deleteIfExists(staging(name));
  }

  private boolean hasTemplate(String template) {
    return templates.exists(template) || template.equals(BusyboxTemplate.NAME);
  }

  /** Moves a template that came with the migration into the store, unless one appeared since. */
  private void adoptTemplate(String template, Path sent) throws IOException {
    if (hasTemplate(template)) {
      return;
    }
    if (!Files.isDirectory(sent.resolve(template).resolve("rootfs"))) {
      throw new JvsException(
          "unknown template '" + template + "' here, and the migration did not send it");
    }
    try (FileLock lock = templates.lock()) {
      if (!templates.exists(template)) {
        Files.move(sent.resolve(template), guests.dirs().templates().resolve(template));
      }
    }
  }

  private Path begun(GuestName name) {
    Path dir = staging(name);
    if (!Files.isDirectory(dir)) {
      throw new JvsException(name + ": no migration of it under way here");
    }
    return dir;
  }

  private Path staging(GuestName name) {
    return incoming.resolve(name.value());
  }
}
