package dev.jvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which browser requests the dashboard's handler lets through to the API (DashboardIT: live). */
class DashboardTest {
  @Test
  void aPageOfTheSameHostAndPortMayCallTheApi() {
    assertThat(Dashboard.sameOrigin("https://127.0.0.1:8443", "127.0.0.1:8443")).isTrue();
    assertThat(Dashboard.sameOrigin("http://localhost:8080", "LOCALHOST:8080")).isTrue();
    assertThat(Dashboard.sameOrigin("https://[::1]:8443", "[::1]:8443")).isTrue();
  }

  @Test
  void anyOtherOriginIsRefused() {
    assertThat(Dashboard.sameOrigin("https://evil.example", "127.0.0.1:8443")).isFalse();
    assertThat(Dashboard.sameOrigin("https://127.0.0.1:9443", "127.0.0.1:8443")).isFalse();
    assertThat(Dashboard.sameOrigin("https://127.0.0.1", "127.0.0.1:8443")).isFalse();
    assertThat(Dashboard.sameOrigin("null", "127.0.0.1:8443")).isFalse(); // a sandboxed page
    assertThat(Dashboard.sameOrigin("http://a b", "a b")).isFalse(); // not a URI
    assertThat(Dashboard.sameOrigin("https://127.0.0.1:8443", null)).isFalse();
  }
}
