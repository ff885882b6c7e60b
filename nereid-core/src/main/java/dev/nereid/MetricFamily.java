package dev.nereid;

import dev.nereid.internal.stats.CustomMetricFamily;
import java.util.List;

/**
 * A family of custom metrics that an application or model registers with the server; its metrics
 * appear in {@link Server#metrics()} beside Triton's. Get one with {@link Server#metricFamily}.
 */
public final class MetricFamily {
  /** Whether the family's metrics only go up (COUNTER), go up and down (GAUGE) or count observations in buckets (HISTOGRAM). */
  public enum Kind {
    /** A value that only increases. */
    COUNTER,
    /** A value that is set and may go up and down. */
    GAUGE,
    /** Observed values counted in buckets, with their count and sum, as Prometheus histograms are. */
    HISTOGRAM
  }

  private final CustomMetricFamily family;

  MetricFamily(CustomMetricFamily family) {
    this.family = family;
  }

  /** The family's name. */
  public String name() {
    return family.name();
  }

  /** The family's kind. */
  public Kind kind() {
    return family.kind();
  }

  /** The label names every metric of the family carries. */
  public List<String> labelNames() {
    return family.labelNames();
  }

  /**
   * The counter or gauge metric with these label values, in the order of {@link #labelNames()}; it shows
   * (at zero) from now on.
   *
   * @throws NereidException.InvalidArgument for a histogram family (see {@link #histogram}) or a wrong
   *     number of label values
   */
  public Metric metric(String... labelValues) {
    Metric metric = new Metric(family, List.of(labelValues));
    family.create(metric.labelValues);
    return metric;
  }

  /**
   * The histogram metric with these label values and bucket upper bounds (strictly ascending; the
   * {@code +Inf} bucket is implied, so an empty list is one bucket). Every metric of a family has the
   * same bounds.
   *
   * @throws NereidException.InvalidArgument for a family that is not a histogram, bounds that are not
   *     ascending or differ from the family's, or a wrong number of label values
   */
  public Metric histogram(List<Double> upperBounds, String... labelValues) {
    Metric metric = new Metric(family, List.of(labelValues));
    family.createHistogram(metric.labelValues, List.copyOf(upperBounds));
    return metric;
  }

  /** One metric: a family and the values of its labels. */
  public static final class Metric {
    private final CustomMetricFamily family;
    private final List<String> labelValues;

    Metric(CustomMetricFamily family, List<String> labelValues) {
      if (labelValues.size() != family.labelNames().size()) {
        throw new NereidException.InvalidArgument("metric family '" + family.name() + "' has labels "
            + family.labelNames() + ", got " + labelValues.size() + " values");
      }
      this.family = family;
      this.labelValues = labelValues;
    }

    /** Adds to a counter or gauge; a counter refuses a negative amount. */
    public void increment(double amount) {
      family.increment(labelValues, amount);
    }

    /** Sets the value of a gauge. */
    public void set(double value) {
      family.set(labelValues, value);
    }

    /** Records one observation in a histogram. */
    public void observe(double value) {
      family.observe(labelValues, value);
    }

    /** The current value of a counter or gauge (a histogram has none). */
    public double value() {
      return family.value(labelValues);
    }
  }
}
