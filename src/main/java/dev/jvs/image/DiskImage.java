package dev.jvs.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * A guest's private layer on its own ext4 filesystem, for `disk.space`: the host's / is ext4
 * without project quotas (no `prjquota` mount option, no `project` feature), so the limit is the
 * size of a sparse image file, guests/NAME/disk.img, holding upper/ and work/. A guest that fills
 * it gets ENOSPC inside, and nobody else notices. The image is made (seeded with the guest's
 * existing private files) or resized at start, while the guest is stopped.
 */
public final class DiskImage {
  public static final String FILE = "disk.img";

  /** ext4 with a journal needs a few MiB for itself. */
  public static final long MINIMUM = 16L << 20;

  private DiskImage() {}

  public static Path file(Path guestDir) {
    return guestDir.resolve(FILE);
  }

  /** What to do to a copy of the guest's private files before they go into a new image. */
  @FunctionalInterface
  public interface Seeding {
    Seeding AS_IS = upper -> {};

    void prepare(Path upper) throws IOException;
  }

  /** Creates or resizes the guest's image to {@code bytes}; returns its path. */
  public static Path ensure(Path guestDir, long bytes) {
    return ensure(guestDir, bytes, Seeding.AS_IS);
  }

  /** The same, {@code seeding} applied to the private files a new image is seeded with. */
  public static Path ensure(Path guestDir, long bytes, Seeding seeding) {
    Path img = file(guestDir);
    try {
      if (!Files.exists(img, LinkOption.NOFOLLOW_LINKS)) {
        create(guestDir, img, bytes, seeding);
      } else if (Files.size(img) != bytes) {
        resize(img, bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("disk.space: " + e.getMessage(), e);
    }
    return img;
  }

  private static void create(Path guestDir, Path img, long bytes, Seeding seeding)
      throws IOException {
    // Seed: the guest's current private files move into the new filesystem (mke2fs -d).
    Path seed = guestDir.resolve(".disk-seed");
    Path tmp = guestDir.resolve("." + FILE + ".new");
    Trees.deleteIfExists(seed);
    Files.deleteIfExists(tmp);
    try {
      Files.createDirectories(seed.resolve("work"));
      Path upper = guestDir.resolve("upper");
      if (Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS)) {
        run(List.of("cp", "-a", upper.toString(), seed.resolve("upper").toString()));
        seeding.prepare(seed.resolve("upper"));
      } else {
        Files.createDirectory(seed.resolve("upper"));
      }
      try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
        f.setLength(bytes);
      }
      run(
          List.of(
              "mkfs.ext4",
              "-q",
              "-F",
              "-m",
              "0",
              "-L",
              "jvs-guest",
              "-d",
              seed.toString(),
              tmp.toString()));
      Files.move(tmp, img, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      // The old private files now live in the image; keep an empty upper/ for the layout.
      Trees.deleteIfExists(upper);
      Files.createDirectory(upper);
    } finally {
      Trees.deleteIfExists(seed);
      Files.deleteIfExists(tmp);
    }
  }

  private static void resize(Path img, long bytes) throws IOException {
    run(List.of("e2fsck", "-f", "-p", img.toString()));
    if (bytes > Files.size(img)) {
      try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(bytes);
      }
      run(List.of("resize2fs", img.toString()));
    } else {
      run(List.of("resize2fs", img.toString(), (bytes >> 10) + "K"));
      try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(bytes);
      }
    }
  }

  private static void run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      int rc = p.waitFor();
      // e2fsck -p exits 1 when it fixed something: the filesystem is fine afterwards.
      if (rc != 0 && !(cmd.getFirst().equals("e2fsck") && rc == 1)) {
        String last = out.isEmpty() ? "exit " + rc : out.lines().reduce((a, b) -> b).orElse("");
        throw new IOException(cmd.getFirst() + " failed: " + last);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(cmd.getFirst() + " interrupted");
    }
  }
}
