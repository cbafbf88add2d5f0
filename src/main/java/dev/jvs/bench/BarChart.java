package dev.jvs.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A horizontal grouped bar chart with optional error bars, drawn twice from one layout: a PNG
 * (Java2D, headless) and an SVG (text), so the report needs no plotting package.
 *
 * @param categories one group of bars each (a benchmark row)
 * @param series one bar per category each (a system)
 * @param values values[series][category]; NaN draws no bar
 * @param low error bar ends (same shape), or null
 * @param high error bar ends, or null
 * @param reference a vertical line (1.0 for ratios to native), NaN for none
 */
public record BarChart(
    String title,
    String axis,
    List<String> categories,
    List<String> series,
    double[][] values,
    double[][] low,
    double[][] high,
    double reference) {
  private static final int W = 900;
  private static final int LEFT = 170;
  private static final int RIGHT = 40;
  private static final int TOP = 60;
  private static final int BOTTOM = 50;
  private static final int BAR = 12;
  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

  /** Writes NAME.png and NAME.svg in {@code dir}. */
  public void write(Path dir, String name) {
    Layout l = new Layout();
    try {
      Files.writeString(dir.resolve(name + ".svg"), svg(l));
      ImageIO.write(png(l), "png", dir.resolve(name + ".png").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(dir.resolve(name) + ": " + e.getMessage(), e);
    }
  }

  private final class Layout {
    final int group = series.size() * BAR + 10;
    final int height = TOP + BOTTOM + categories.size() * group;
    final int plotWidth = W - LEFT - RIGHT;
    final double max;

    Layout() {
      double m = Double.isFinite(reference) ? reference : 0;
      for (int s = 0; s < series.size(); s++) {
        for (int c = 0; c < categories.size(); c++) {
          m = Math.max(m, finite(values[s][c]));
          if (high != null) {
            m = Math.max(m, finite(high[s][c]));
          }
        }
      }
      max = m <= 0 ? 1 : m * 1.08;
    }

    int x(double v) {
      return LEFT + (int) Math.round(plotWidth * Math.max(0, finite(v)) / max);
    }

    int y(int category, int s) {
      return TOP + category * group + s * BAR + 5;
    }
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  private BufferedImage png(Layout l) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(W, l.height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, l.height);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
      g.drawString(title, 10, 20);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      for (int s = 0; s < series.size(); s++) {
        g.setColor(Color.decode(COLORS[s % COLORS.length]));
        g.fillRect(LEFT + s * 150, 32, 12, 12);
        g.setColor(Color.BLACK);
        g.drawString(series.get(s), LEFT + s * 150 + 16, 43);
      }
      for (int c = 0; c < categories.size(); c++) {
        g.setColor(Color.BLACK);
        g.drawString(categories.get(c), 10, l.y(c, 0) + l.group / 2);
        for (int s = 0; s < series.size(); s++) {
          if (!Double.isFinite(values[s][c])) {
            continue;
          }
          int y = l.y(c, s);
          g.setColor(Color.decode(COLORS[s % COLORS.length]));
          g.fillRect(LEFT, y, l.x(values[s][c]) - LEFT, BAR - 2);
          if (low != null && Double.isFinite(low[s][c]) && Double.isFinite(high[s][c])) {
            g.setColor(Color.BLACK);
            g.drawLine(l.x(low[s][c]), y + BAR / 2, l.x(high[s][c]), y + BAR / 2);
          }
        }
      }
      g.setColor(Color.BLACK);
      int bottom = l.height - BOTTOM;
      g.drawLine(LEFT, TOP, LEFT, bottom);
      g.drawLine(LEFT, bottom, W - RIGHT, bottom);
      for (int i = 0; i <= 5; i++) {
        double v = l.max * i / 5;
        g.drawString(tick(v), l.x(v) - 10, bottom + 15);
      }
      g.drawString(axis, LEFT, bottom + 35);
      if (Double.isFinite(reference)) {
        g.setColor(Color.GRAY);
        g.drawLine(l.x(reference), TOP, l.x(reference), bottom);
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  private String svg(Layout l) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"11\">%n",
            W, l.height));
    s.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, l.height));
    s.append(text(10, 20, title, "font-weight=\"bold\" font-size=\"13\""));
    for (int i = 0; i < series.size(); i++) {
      s.append(rect(LEFT + i * 150, 32, 12, 12, COLORS[i % COLORS.length]));
      s.append(text(LEFT + i * 150 + 16, 43, series.get(i), ""));
    }
    for (int c = 0; c < categories.size(); c++) {
      s.append(text(10, l.y(c, 0) + l.group / 2, categories.get(c), ""));
      for (int i = 0; i < series.size(); i++) {
        if (!Double.isFinite(values[i][c])) {
          continue;
        }
        int y = l.y(c, i);
        s.append(rect(LEFT, y, l.x(values[i][c]) - LEFT, BAR - 2, COLORS[i % COLORS.length]));
        if (low != null && Double.isFinite(low[i][c]) && Double.isFinite(high[i][c])) {
          s.append(line(l.x(low[i][c]), y + BAR / 2, l.x(high[i][c]), y + BAR / 2, "black"));
        }
      }
    }
    int bottom = l.height - BOTTOM;
    s.append(line(LEFT, TOP, LEFT, bottom, "black"));
    s.append(line(LEFT, bottom, W - RIGHT, bottom, "black"));
    for (int i = 0; i <= 5; i++) {
      double v = l.max * i / 5;
      s.append(text(l.x(v) - 10, bottom + 15, tick(v), ""));
    }
    s.append(text(LEFT, bottom + 35, axis, ""));
    if (Double.isFinite(reference)) {
      s.append(line(l.x(reference), TOP, l.x(reference), bottom, "gray"));
    }
    return s.append("</svg>\n").toString();
  }

  private static String tick(double v) {
    return v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
  }

  private static String rect(int x, int y, int w, int h, String fill) {
    return String.format(
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
        x, y, Math.max(0, w), h, fill);
  }

  private static String line(int x1, int y1, int x2, int y2, String stroke) {
    return String.format(
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>%n", x1, y1, x2, y2, stroke);
  }

  private static String text(int x, int y, String t, String attrs) {
    String escaped = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    return String.format("<text x=\"%d\" y=\"%d\" %s>%s</text>%n", x, y, attrs, escaped);
  }
}
