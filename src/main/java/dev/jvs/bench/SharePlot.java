package dev.jvs.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** A PNG line chart of each guest's CPU share over time (Java2D, headless; no extra package). */
public final class SharePlot {
  private static final int W = 900;
  private static final int H = 480;
  private static final int LEFT = 70;
  private static final int RIGHT = 200;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  private static final Color[] COLORS = {
    new Color(0x1f77b4),
    new Color(0xd62728),
    new Color(0x2ca02c),
    new Color(0xff7f0e),
    new Color(0x9467bd),
    new Color(0x8c564b)
  };

  private SharePlot() {}

  public static void write(CpuRun run, Path png) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      int pw = W - LEFT - RIGHT;
      int ph = H - TOP - BOTTOM;
      double maxY = 1.0;
      int n = run.samples().size();
      double seconds = n * run.intervalSeconds();
      g.setColor(Color.LIGHT_GRAY);
      for (int i = 0; i <= 10; i++) {
        int y = TOP + ph - (int) (ph * i / 10.0);
        g.drawLine(LEFT, y, LEFT + pw, y);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format("%d %%", i * 10), LEFT - 45, y + 4);
        g.setColor(Color.LIGHT_GRAY);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, pw, ph);
      for (int s = 0; s <= (int) seconds; s += Math.max(1, (int) seconds / 10)) {
        int x = LEFT + (int) (pw * s / Math.max(seconds, 1e-9));
        g.drawString(s + " s", x - 8, TOP + ph + 18);
      }
      g.drawString(
          run.experiment().ofWallTime()
              ? "share of one CPU (wall time)"
              : "share of the guests' CPU time",
          LEFT,
          TOP + ph + 38);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
      g.drawString("(" + run.experiment().id() + ") " + run.experiment().title(), LEFT, 24);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.setStroke(new BasicStroke(2f));
      for (int j = 0; j < run.experiment().guests().size(); j++) {
        g.setColor(COLORS[j % COLORS.length]);
        for (int i = 1; i < n; i++) {
          int x0 = LEFT + (int) (pw * (i - 0.5) / n);
          int x1 = LEFT + (int) (pw * (i + 0.5) / n);
          int y0 = TOP + ph - (int) (ph * Math.min(maxY, run.samples().get(i - 1)[j]) / maxY);
          int y1 = TOP + ph - (int) (ph * Math.min(maxY, run.samples().get(i)[j]) / maxY);
          g.drawLine(x0, y0, x1, y1);
        }
        int ly = TOP + 20 + j * 20;
        g.drawLine(LEFT + pw + 12, ly - 4, LEFT + pw + 32, ly - 4);
        g.setColor(Color.BLACK);
        g.drawString(
            String.format(
                "%s %.1f %%", run.experiment().guests().get(j).guest(), 100 * run.means()[j]),
            LEFT + pw + 38,
            ly);
      }
    } finally {
      g.dispose();
    }
    try {
      ImageIO.write(img, "png", png.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(png + ": " + e.getMessage(), e);
    }
  }
}
