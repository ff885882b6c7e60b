package dev.nereid;

import dev.nereid.internal.stats.CustomMetricFamily;
import java.util.List;

/**
 * A family of custom metrics that an application or model registers with the server; its metrics
 * appear in {@link Server#metrics()} beside Triton's. Get one with {@link Server#metricFamily}.
 */
public final class MetricFamily {
  /** Whether the family's metrics only go up (COUNTER) or go up and down (GAUGE). */
  public enum Kind {
    /** A value that only increases. */
    COUNTER,
    /** A value that is set and may go up and down. */
    GAUGE
  }

  private final CustomMetricFamily family;

  MetricFamily(CustomMetricFamily family) {
    this.family = family;
  }

  /** The family's name. */
  public String name() {
    return family.name();
  }

  /** The label names every metric of the family carries. */
  public List<String> labelNames() {
    return family.labelNames();
  }

  /** The metric with these label values, in the order of {@link #labelNames()}. */
  public Metric metric(String... labelValues) {
    return new Metric(family, List.of(labelValues));
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

    /** Adds to the value; a counter refuses a negative amount. */
    public void increment(double amount) {
      family.increment(labelValues, amount);
    }

    /** Sets the value of a gauge. */
    public void set(double value) {
      family.set(labelValues, value);
    }

    /** The current value. */
    public double value() {
      return family.value(labelValues);
    }
  }
}
