package dev.nereid.internal.stats;

import dev.nereid.MetricFamily.Kind;
import dev.nereid.NereidException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/**
 * A custom metric family registered by an application or a model: a Prometheus counter, gauge or
 * histogram. A histogram's bucket bounds come with its first metric (as in Triton, where they are an
 * argument of the metric, not of the family), so its Prometheus collector is registered then.
 */
public final class CustomMetricFamily {
  private final Kind kind;
  private final String name;
  private final String help;
  private final List<String> labelNames;
  private final PrometheusRegistry registry;
  private final Counter counter;
  private final Gauge gauge;
  private volatile Histogram histogram;
  private volatile List<Double> buckets;

  CustomMetricFamily(Kind kind, String name, String help, List<String> labelNames, PrometheusRegistry registry) {
    this.kind = kind;
    this.name = name;
    this.help = help;
    this.labelNames = List.copyOf(labelNames);
    this.registry = registry;
    String[] labels = labelNames.toArray(new String[0]);
    this.counter = kind == Kind.COUNTER ? Counter.builder().name(name).help(help).labelNames(labels).register(registry) : null;
    this.gauge = kind == Kind.GAUGE ? Gauge.builder().name(name).help(help).labelNames(labels).register(registry) : null;
  }

  public Kind kind() {
    return kind;
  }

  public String name() {
    return name;
  }

  public List<String> labelNames() {
    return labelNames;
  }

  /** Creates the metric with these label values, so it shows (at zero) before its first update. */
  public void create(List<String> labelValues) {
    String[] values = values(labelValues);
    switch (kind) {
      case COUNTER -> counter.labelValues(values);
      case GAUGE -> gauge.labelValues(values);
      case HISTOGRAM -> throw new NereidException.InvalidArgument(
          "metric family '" + name + "' is a histogram: its metrics need bucket bounds");
    }
  }

  /** Creates the histogram metric with these label values and bucket upper bounds (ascending, no duplicates). */
  public void createHistogram(List<String> labelValues, List<Double> upperBounds) {
    if (kind != Kind.HISTOGRAM) {
      throw new NereidException.InvalidArgument("metric family '" + name + "' is a " + kind.name().toLowerCase()
          + ", not a histogram: its metrics take no bucket bounds");
    }
    for (int i = 1; i < upperBounds.size(); i++) {
      if (!(upperBounds.get(i) > upperBounds.get(i - 1))) {
        throw new NereidException.InvalidArgument("histogram '" + name + "': bucket bounds must be strictly ascending, got "
            + upperBounds);
      }
    }
    histogram(upperBounds).labelValues(values(labelValues));
  }

  private synchronized Histogram histogram(List<Double> upperBounds) {
    if (histogram == null) {
      double[] bounds = upperBounds.stream().mapToDouble(Double::doubleValue).toArray();
      try {
        Histogram.Builder b = Histogram.builder().name(name).help(help).labelNames(labelNames.toArray(new String[0]))
            .classicOnly();
        // An empty list means one bucket, +Inf; the client wants at least one bound, and adds +Inf itself.
        b = bounds.length == 0 ? b.classicUpperBounds(Double.POSITIVE_INFINITY) : b.classicUpperBounds(bounds);
        histogram = b.register(registry);
      } catch (IllegalArgumentException e) {
        throw new NereidException.InvalidArgument("cannot register histogram '" + name + "': " + e.getMessage(), e);
      }
      buckets = List.copyOf(upperBounds);
    } else if (!buckets.equals(upperBounds)) {
      throw new NereidException.InvalidArgument("histogram '" + name + "' has bucket bounds " + buckets
          + "; every metric of a family shares them, got " + upperBounds);
    }
    return histogram;
  }

  public void increment(List<String> labelValues, double amount) {
    String[] values = values(labelValues);
    switch (kind) {
      case COUNTER -> {
        if (amount < 0) {
          throw new NereidException.InvalidArgument("counter '" + name + "' cannot decrease (got " + amount + ")");
        }
        counter.labelValues(values).inc(amount);
      }
      case GAUGE -> gauge.labelValues(values).inc(amount);
      case HISTOGRAM -> throw unsupported("increment");
    }
  }

  public void set(List<String> labelValues, double value) {
    if (kind != Kind.GAUGE) {
      throw unsupported("set");
    }
    gauge.labelValues(values(labelValues)).set(value);
  }

  public void observe(List<String> labelValues, double value) {
    Histogram h = histogram;
    if (kind != Kind.HISTOGRAM) {
      throw unsupported("observe");
    }
    if (h == null) {
      throw new NereidException.InvalidArgument("histogram '" + name + "' has no metric with labels " + labelValues
          + " yet: create it with its bucket bounds first");
    }
    h.labelValues(values(labelValues)).observe(value);
  }

  public double value(List<String> labelValues) {
    String[] values = values(labelValues);
    return switch (kind) {
      case COUNTER -> counter.labelValues(values).get();
      case GAUGE -> gauge.labelValues(values).get();
      case HISTOGRAM -> throw unsupported("value");
    };
  }

  private NereidException unsupported(String operation) {
    String what = switch (operation) {
      case "set" -> "only a gauge can be set";
      case "observe" -> "only a histogram observes values";
      default -> "a histogram has no single value to " + (operation.equals("value") ? "read" : operation);
    };
    return new NereidException.InvalidArgument("'" + name + "' is a " + kind.name().toLowerCase() + ": " + what);
  }

  private String[] values(List<String> labelValues) {
    if (labelValues.size() != labelNames.size()) {
      throw new NereidException.InvalidArgument("metric family '" + name + "' has labels " + labelNames + ", got "
          + labelValues.size() + " values");
    }
    return labelValues.toArray(new String[0]);
  }
}
