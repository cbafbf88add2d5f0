package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The service logs each request's arguments; a migration's token must not be among them. */
class SecretsTest {
  @Test
  void aTokensValueIsMaskedInBothForms() {
    assertThat(
            Secrets.masked(
                List.of("migrate", "web1", "--token", "s3cret", "--to", "https://h:8443")))
        .containsExactly("migrate", "web1", "--token", "***", "--to", "https://h:8443");
    assertThat(Secrets.masked(List.of("migrate", "web1", "--token=s3cret")))
        .containsExactly("migrate", "web1", "--token=***");
    assertThat(Secrets.masked(List.of("list", "--tokens"))).containsExactly("list", "--tokens");
  }
}
