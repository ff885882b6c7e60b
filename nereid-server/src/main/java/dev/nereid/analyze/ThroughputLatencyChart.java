package dev.nereid.analyze;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Model Analyzer's throughput-versus-latency chart: one line per configuration through its load levels,
 * p99 latency across, inferences per second up, the budget as a dashed line and the winner ringed.
 * The chart is laid out once as shapes, then drawn as SVG or PNG, so both show the same picture.
 */
public final class ThroughputLatencyChart {
  private static final int WIDTH = 960;
  private static final int HEIGHT = 560;
  private static final int LEFT = 80;
  private static final int RIGHT = 260;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final String[] PALETTE = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
  };

  private sealed interface Shape permits LineShape, Dot, Label {}

  private record LineShape(double x1, double y1, double x2, double y2, String color, double width, boolean dashed)
      implements Shape {}

  private record Dot(double cx, double cy, double r, String color, boolean filled) implements Shape {}

  private enum Anchor { START, MIDDLE, END }

  private record Label(double x, double y, String text, String color, int size, Anchor anchor) implements Shape {}

  private final List<Shape> shapes;

  /** Lays out the chart of a report; {@code title} goes on top (usually the model's name). */
  public ThroughputLatencyChart(AnalysisReport report, String title) {
    this.shapes = layout(report, title);
  }

  /** The chart as an SVG document. */
  public String svg() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    for (Shape shape : shapes) {
      switch (shape) {
        case LineShape l -> s.append(String.format(Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n",
            l.x1(), l.y1(), l.x2(), l.y2(), l.color(), l.width(), l.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
        case Dot d -> s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" %s/>%n",
            d.cx(), d.cy(), d.r(), d.filled() ? "fill=\"" + d.color() + "\""
                : "fill=\"none\" stroke=\"" + d.color() + "\" stroke-width=\"2\""));
        case Label t -> s.append(String.format(Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"%s\" text-anchor=\"%s\">%s</text>%n", t.x(), t.y(),
            t.size(), t.color(), t.anchor().name().toLowerCase(Locale.ROOT), escape(t.text())));
      }
    }
    return s.append("</svg>\n").toString();
  }

  /** Writes the chart to {@code file}: PNG when its name ends in {@code .png}, SVG otherwise. */
  public void write(Path file) throws IOException {
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      ImageIO.write(image(), "png", file.toFile());
    } else {
      Files.writeString(file, svg(), StandardCharsets.UTF_8);
    }
  }

  private BufferedImage image() {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      for (Shape shape : shapes) {
        switch (shape) {
          case LineShape l -> {
            g.setColor(Color.decode(l.color()));
            g.setStroke(l.dashed()
                ? new BasicStroke((float) l.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0)
                : new BasicStroke((float) l.width()));
            g.draw(new Line2D.Double(l.x1(), l.y1(), l.x2(), l.y2()));
          }
          case Dot d -> {
            g.setColor(Color.decode(d.color()));
            Ellipse2D e = new Ellipse2D.Double(d.cx() - d.r(), d.cy() - d.r(), 2 * d.r(), 2 * d.r());
            if (d.filled()) {
              g.fill(e);
            } else {
              g.setStroke(new BasicStroke(2));
              g.draw(e);
            }
          }
          case Label t -> {
            g.setColor(Color.decode(t.color()));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, t.size()));
            int w = g.getFontMetrics().stringWidth(t.text());
            double x = switch (t.anchor()) {
              case START -> t.x();
              case MIDDLE -> t.x() - w / 2.0;
              case END -> t.x() - w;
            };
            g.drawString(t.text(), (float) x, (float) t.y());
          }
        }
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  private static List<Shape> layout(AnalysisReport report, String title) {
    List<Shape> out = new ArrayList<>();
    Map<SweepPoint, List<Measurement>> series = new LinkedHashMap<>();
    for (Measurement m : report.measurements()) {
      if (m.clean()) series.computeIfAbsent(m.point(), p -> new ArrayList<>()).add(m);
    }
    double budget = report.p99BudgetMillis();
    double maxX = series.values().stream().flatMap(List::stream).mapToDouble(Measurement::p99Millis).max().orElse(1);
    if (Double.isFinite(budget)) maxX = Math.max(maxX, budget);
    double maxY = series.values().stream().flatMap(List::stream).mapToDouble(Measurement::throughput).max().orElse(1);
    double xStep = niceStep(maxX * 1.05);
    double yStep = niceStep(maxY * 1.05);
    double xMax = Math.ceil(maxX * 1.05 / xStep) * xStep;
    double yMax = Math.ceil(maxY * 1.05 / yStep) * yStep;
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    java.util.function.DoubleUnaryOperator px = v -> LEFT + v / xMax * plotW;
    java.util.function.DoubleUnaryOperator py = v -> TOP + plotH - v / yMax * plotH;

    out.add(new Label(LEFT + plotW / 2, 28, title, "#000000", 16, Anchor.MIDDLE));
    for (double x = 0; x <= xMax + xStep / 2; x += xStep) {
      out.add(new LineShape(px.applyAsDouble(x), TOP, px.applyAsDouble(x), TOP + plotH, "#e0e0e0", 1, false));
      out.add(new Label(px.applyAsDouble(x), TOP + plotH + 18, number(x), "#333333", 11, Anchor.MIDDLE));
    }
    for (double y = 0; y <= yMax + yStep / 2; y += yStep) {
      out.add(new LineShape(LEFT, py.applyAsDouble(y), LEFT + plotW, py.applyAsDouble(y), "#e0e0e0", 1, false));
      out.add(new Label(LEFT - 8, py.applyAsDouble(y) + 4, number(y), "#333333", 11, Anchor.END));
    }
    out.add(new LineShape(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#000000", 1, false));
    out.add(new LineShape(LEFT, TOP, LEFT, TOP + plotH, "#000000", 1, false));
    out.add(new Label(LEFT + plotW / 2, HEIGHT - 18, "p99 latency (ms)", "#000000", 13, Anchor.MIDDLE));
    out.add(new Label(18, TOP - 12, "inferences/s", "#000000", 13, Anchor.START));
    if (Double.isFinite(budget)) {
      double bx = px.applyAsDouble(budget);
      out.add(new LineShape(bx, TOP, bx, TOP + plotH, "#d62728", 1.5, true));
      out.add(new Label(bx + 4, TOP + 12, "p99 budget " + number(budget) + " ms", "#d62728", 11, Anchor.START));
    }

    int i = 0;
    for (Map.Entry<SweepPoint, List<Measurement>> e : series.entrySet()) {
      String color = PALETTE[i % PALETTE.length];
      List<Measurement> ms = new ArrayList<>(e.getValue());
      ms.sort(Comparator.comparingInt(m -> m.result().concurrency()));
      for (int k = 1; k < ms.size(); k++) {
        out.add(new LineShape(px.applyAsDouble(ms.get(k - 1).p99Millis()), py.applyAsDouble(ms.get(k - 1).throughput()),
            px.applyAsDouble(ms.get(k).p99Millis()), py.applyAsDouble(ms.get(k).throughput()), color, 1.5, false));
      }
      for (Measurement m : ms) {
        out.add(new Dot(px.applyAsDouble(m.p99Millis()), py.applyAsDouble(m.throughput()), 3.5, color, true));
      }
      double ly = TOP + 10 + i * 18;
      out.add(new Dot(WIDTH - RIGHT + 24, ly - 4, 4, color, true));
      out.add(new Label(WIDTH - RIGHT + 34, ly, e.getKey().label(), "#000000", 12, Anchor.START));
      i++;
    }
    report.best().ifPresent(best -> {
      double bx = px.applyAsDouble(best.p99Millis());
      double by = py.applyAsDouble(best.throughput());
      out.add(new Dot(bx, by, 9, "#000000", false));
      out.add(new Label(bx + 12, by - 10, "best: " + best.point().label() + " @" + best.result().concurrency(), "#000000",
          12, Anchor.START));
    });
    return List.copyOf(out);
  }

  /** A step of 1, 2 or 5 times a power of ten giving four to ten grid lines. */
  private static double niceStep(double span) {
    if (!(span > 0)) return 1;
    double raw = span / 5;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / magnitude;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * magnitude;
  }

  private static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) return Long.toString((long) v);
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
