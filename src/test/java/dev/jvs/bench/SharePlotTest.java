package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharePlotTest {
  @Test
  void writesAPngWithOneLinePerGuest(@TempDir Path dir) throws Exception {
    CpuExperiment e = CpuExperiment.fairShare();
    List<double[]> samples =
        List.of(
            new double[] {0.33, 0.34, 0.33},
            new double[] {0.32, 0.35, 0.33},
            new double[] {0.34, 0.33, 0.33});
    Path png = dir.resolve("a.png");
    SharePlot.write(new CpuRun(e, 1.0, samples, new double[] {0.33, 0.34, 0.33}), png);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(900);
    // The first guest's colour appears (its line and legend).
    boolean blue = false;
    for (int x = 0; x < img.getWidth() && !blue; x++) {
      for (int y = 0; y < img.getHeight() && !blue; y++) {
        blue = (img.getRGB(x, y) & 0xffffff) == 0x1f77b4;
      }
    }
    assertThat(blue).isTrue();
  }
}
