package dev.jvs.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** flock(2) through FileLock: exclusion, the timeout, and lock files removed by their holder. */
class FileLockTest {
  @TempDir Path dir;

  @Test
  void aSecondLockerWaitsAndGivesUpAtItsTimeout() {
    Path file = dir.resolve("a.lock");
    try (FileLock held = FileLock.acquire(file)) {
      assertThat(FileLock.acquire(file, Duration.ofMillis(100))).isEmpty();
    }
    try (FileLock again = FileLock.acquire(file, Duration.ofMillis(100)).orElseThrow()) {
      assertThat(file).exists();
    }
  }

  @Test
  void aHolderRemovesTheFileOnlyWhenItsConditionHolds() {
    Path file = dir.resolve("b.lock");
    FileLock.acquire(file).removeOnCloseIf(() -> false).close();
    assertThat(file).exists();
    FileLock.acquire(file).removeOnCloseIf(() -> true).close();
    assertThat(file).doesNotExist();
  }

  @Test
  void aWaiterWhoseFileWasRemovedLocksTheFileThePathNamesNow() throws Exception {
    Path file = dir.resolve("c.lock");
    FileLock first = FileLock.acquire(file).removeOnCloseIf(() -> true);
    CountDownLatch waiting = new CountDownLatch(1);
    CompletableFuture<FileLock> second =
        CompletableFuture.supplyAsync(
            () -> {
              waiting.countDown();
              return FileLock.acquire(file, Duration.ofSeconds(10)).orElseThrow();
            });
    waiting.await();
    Thread.sleep(100); // the waiter has opened the old file and polls its flock
    first.close();
    try (FileLock won = second.get(10, TimeUnit.SECONDS)) {
      // the waiter must hold the file that exists now, so a third locker is excluded
      assertThat(file).exists();
      assertThat(FileLock.acquire(file, Duration.ofMillis(100))).isEmpty();
    }
    assertThat(Files.exists(file)).isTrue();
  }
}
