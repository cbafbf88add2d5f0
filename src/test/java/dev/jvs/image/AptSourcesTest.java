package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AptSourcesTest {
  @TempDir Path etc;

  @Test
  void readsOneLineAndDeb822SourcesAndPicksTheSuitesMirror() throws IOException {
    Files.writeString(
        etc.resolve("sources.list"),
        """
        # deb http://commented.example/debian bookworm main
        deb-src http://src.example/debian bookworm main
        deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ trixie main contrib
        """);
    Files.createDirectories(etc.resolve("sources.list.d"));
    Files.writeString(
        etc.resolve("sources.list.d/debian.sources"),
        """
        Types: deb
        # http://snapshot.debian.org/archive/debian/20250520T000000Z
        URIs: http://deb.example.org/debian
        Suites: bookworm bookworm-updates
        Components: main
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        Types: deb
        URIs: http://deb.example.org/debian-security
        Suites: bookworm-security
        Components: main

        Types: deb
        Enabled: no
        URIs: http://disabled.example/debian
        Suites: sid
        Components: main
        """);
    Files.writeString(
        etc.resolve("sources.list.d/cloud.list.disabled"),
        "deb http://ignored.example/apt sid main\n");
    var sources = AptSources.read(etc);
    assertThat(sources)
        .extracting(AptSources.Source::uri)
        .containsExactly(
            "http://mirror.example/debian",
            "http://deb.example.org/debian",
            "http://deb.example.org/debian-security");
    assertThat(AptSources.mirrorFor("bookworm", sources))
        .isEqualTo("http://deb.example.org/debian");
    assertThat(AptSources.mirrorFor("trixie", sources)).isEqualTo("http://mirror.example/debian");
    // A suite nobody lists: the first plain release source's mirror carries it too.
    assertThat(AptSources.mirrorFor("bullseye", sources)).isEqualTo("http://mirror.example/debian");
  }

  @Test
  void noSourcesIsAClearError() {
    assertThatThrownBy(() -> AptSources.mirrorFor("bookworm", AptSources.read(etc)))
        .hasMessage(
            "no Debian mirror for 'bookworm' in the host's apt sources"
                + " (/etc/apt/sources.list, /etc/apt/sources.list.d)");
  }
}
