package dev.nereid.internal.stats;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.function.UnaryOperator;

/**
 * Prometheus text format 0.0.4 as Triton writes it. The Prometheus Java client's writer appends
 * {@code _total} to every counter; Triton (prometheus-cpp) writes a counter under the name it was given
 * and types it {@code counter}, and dashboards written for Triton look families up by those names. Values
 * print as Triton prints them: whole numbers without a fraction ({@code 3}, not {@code 3.0}).
 */
final class PrometheusText {
  private PrometheusText() {}

  /**
   * Writes every family.
   *
   * @param counterName the name a counter family was registered under, from its snapshot's name (the
   *     client strips a {@code _total} suffix the registrant gave)
   */
  static String write(MetricSnapshots snapshots, UnaryOperator<String> counterName) {
    StringBuilder out = new StringBuilder(4096);
    for (MetricSnapshot snapshot : snapshots) {
      String name = snapshot.getMetadata().getPrometheusName();
      switch (snapshot) {
        case CounterSnapshot counter -> {
          name = counterName.apply(name);
          header(out, name, snapshot, "counter");
          for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
            sample(out, name, point.getLabels(), null, null, point.getValue());
          }
        }
        case GaugeSnapshot gauge -> {
          header(out, name, snapshot, "gauge");
          for (GaugeSnapshot.GaugeDataPointSnapshot point : gauge.getDataPoints()) {
            sample(out, name, point.getLabels(), null, null, point.getValue());
          }
        }
        case HistogramSnapshot histogram -> {
          header(out, name, snapshot, "histogram");
          for (HistogramSnapshot.HistogramDataPointSnapshot point : histogram.getDataPoints()) {
            histogram(out, name, point);
          }
        }
        case UnknownSnapshot unknown -> {
          header(out, name, snapshot, "untyped");
          for (UnknownSnapshot.UnknownDataPointSnapshot point : unknown.getDataPoints()) {
            sample(out, name, point.getLabels(), null, null, point.getValue());
          }
        }
        default -> throw new IllegalStateException("no text form for a " + snapshot.getClass().getSimpleName()
            + " ('" + name + "')");
      }
    }
    return out.toString();
  }

  private static void histogram(StringBuilder out, String name, HistogramSnapshot.HistogramDataPointSnapshot point) {
    ClassicHistogramBuckets buckets = point.getClassicBuckets();
    long cumulative = 0;
    for (int i = 0; i < buckets.size(); i++) {
      cumulative += buckets.getCount(i); // the snapshot holds each bucket's own count; the text format sums them
      sample(out, name + "_bucket", point.getLabels(), "le", number(buckets.getUpperBound(i)), cumulative);
    }
    sample(out, name + "_sum", point.getLabels(), null, null, point.hasSum() ? point.getSum() : 0);
    sample(out, name + "_count", point.getLabels(), null, null, point.hasCount() ? point.getCount() : cumulative);
  }

  private static void header(StringBuilder out, String name, MetricSnapshot snapshot, String type) {
    String help = snapshot.getMetadata().getHelp();
    if (help != null) {
      out.append("# HELP ").append(name).append(' ');
      for (int i = 0; i < help.length(); i++) {
        char c = help.charAt(i);
        switch (c) {
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          default -> out.append(c);
        }
      }
      out.append('\n');
    }
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, Labels labels, String extraName, String extraValue,
      double value) {
    out.append(name);
    if (!labels.isEmpty() || extraName != null) {
      out.append('{');
      for (int i = 0; i < labels.size(); i++) {
        if (i > 0) out.append(',');
        label(out, labels.getPrometheusName(i), labels.getValue(i));
      }
      if (extraName != null) {
        if (!labels.isEmpty()) out.append(',');
        label(out, extraName, extraValue);
      }
      out.append('}');
    }
    out.append(' ').append(number(value)).append('\n');
  }

  private static void label(StringBuilder out, String name, String value) {
    out.append(name).append("=\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    out.append('"');
  }

  static String number(double value) {
    if (Double.isNaN(value)) return "NaN";
    if (Double.isInfinite(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == Math.rint(value) && Math.abs(value) < 1e15) return Long.toString((long) value);
    return Double.toString(value);
  }
}
