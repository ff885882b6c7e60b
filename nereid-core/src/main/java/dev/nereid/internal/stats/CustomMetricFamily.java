package dev.nereid.internal.stats;

import dev.nereid.NereidException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import java.util.List;

/** A custom metric family registered by an application or a model: a Prometheus counter or gauge. */
public final class CustomMetricFamily {
  private final String name;
  private final List<String> labelNames;
  private final Counter counter;
  private final Gauge gauge;

  CustomMetricFamily(String name, List<String> labelNames, Counter counter, Gauge gauge) {
    this.name = name;
    this.labelNames = List.copyOf(labelNames);
    this.counter = counter;
    this.gauge = gauge;
  }

  public String name() {
    return name;
  }

  public List<String> labelNames() {
    return labelNames;
  }

  boolean isCounter() {
    return counter != null;
  }

  public void increment(List<String> labelValues, double amount) {
    String[] values = labelValues.toArray(new String[0]);
    if (counter != null) {
      if (amount < 0) {
        throw new NereidException.InvalidArgument("counter '" + name + "' cannot decrease (got " + amount + ")");
      }
      counter.labelValues(values).inc(amount);
    } else {
      gauge.labelValues(values).inc(amount);
    }
  }

  public void set(List<String> labelValues, double value) {
    if (counter != null) {
      throw new NereidException.InvalidArgument("'" + name + "' is a counter; only a gauge can be set");
    }
    gauge.labelValues(labelValues.toArray(new String[0])).set(value);
  }

  public double value(List<String> labelValues) {
    String[] values = labelValues.toArray(new String[0]);
    return counter != null ? counter.labelValues(values).get() : gauge.labelValues(values).get();
  }
}
