package dev.nereid.internal.stats;

import dev.nereid.MetricFamily;
import dev.nereid.NereidException;
import dev.nereid.internal.request.FinalOutcome;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The server's Prometheus registry: Triton's per-model families, read from each version's
 * {@link ModelStats} when scraped (so the request path pays nothing for metrics), and the custom
 * families applications and models register.
 *
 * <p>Counters are written under the names they were given, typed {@code counter}, as Triton writes them
 * ({@link PrometheusText}): dashboards and tools written for Triton look them up by those names.
 */
public final class ServerMetrics {
  /** One model version whose statistics are exposed. */
  public record Source(String model, long version, ModelStats stats) {}

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Map<String, CustomMetricFamily> custom = new ConcurrentHashMap<>();

  public ServerMetrics(Supplier<List<Source>> sources) {
    registry.register(new TritonFamilies(sources));
  }

  /** The Prometheus registry, for front ends that expose it. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Everything in Prometheus text format. */
  public String scrape() {
    return PrometheusText.write(registry.scrape(), this::counterName);
  }

  /** A counter family's name as registered: the client keeps it without a {@code _total} the registrant gave. */
  private String counterName(String snapshotName) {
    CustomMetricFamily family = custom.get(snapshotName + "_total");
    return family != null && family.kind() == MetricFamily.Kind.COUNTER ? family.name() : snapshotName;
  }

  /** Registers a custom family, or returns the one of that name if it has the same kind and labels. */
  public CustomMetricFamily customFamily(MetricFamily.Kind kind, String name, String help, String... labelNames) {
    CustomMetricFamily family = custom.computeIfAbsent(name, n -> {
      try {
        return new CustomMetricFamily(kind, n, help, List.of(labelNames), registry);
      } catch (IllegalArgumentException e) {
        throw new NereidException.InvalidArgument("cannot register metric family '" + n + "': " + e.getMessage(), e);
      }
    });
    if (family.kind() != kind || !family.labelNames().equals(List.of(labelNames))) {
      throw new NereidException.AlreadyExists("metric family '" + name + "' exists as a "
          + family.kind().name().toLowerCase() + " with labels " + family.labelNames() + ", got a "
          + kind.name().toLowerCase() + " with labels " + List.of(labelNames));
    }
    return family;
  }

  private static final class TritonFamilies implements MultiCollector {
    private final Supplier<List<Source>> sources;

    TritonFamilies(Supplier<List<Source>> sources) {
      this.sources = sources;
    }

    @Override
    public MetricSnapshots collect() {
      List<Source> all = sources.get();
      List<MetricSnapshot> out = new ArrayList<>();
      out.add(cumulative(all, "nv_inference_request_success",
          "Number of successful inference requests, all batch sizes", s -> s.successCount()));
      out.add(failures(all));
      out.add(cumulative(all, "nv_inference_count",
          "Number of inferences performed (does not include cached requests)", s -> s.inferenceCount()));
      out.add(cumulative(all, "nv_inference_exec_count",
          "Number of model executions performed (does not include cached requests)", s -> s.executionCount()));
      out.add(cumulative(all, "nv_inference_request_duration_us",
          "Cumulative inference request duration in microseconds (includes cached requests)",
          s -> s.requestNanos() / 1000.0));
      out.add(cumulative(all, "nv_inference_queue_duration_us",
          "Cumulative inference queuing duration in microseconds (includes cached requests)",
          s -> s.queueNanos() / 1000.0));
      out.add(cumulative(all, "nv_inference_compute_input_duration_us",
          "Cumulative compute input duration in microseconds (does not include cached requests)",
          s -> s.computeInputNanos() / 1000.0));
      out.add(cumulative(all, "nv_inference_compute_infer_duration_us",
          "Cumulative compute inference duration in microseconds (does not include cached requests)",
          s -> s.computeInferNanos() / 1000.0));
      out.add(cumulative(all, "nv_inference_compute_output_duration_us",
          "Cumulative inference compute output duration in microseconds (does not include cached requests)",
          s -> s.computeOutputNanos() / 1000.0));
      out.add(cumulative(all, "nv_cache_num_hits_per_model", "Number of cache hits per model",
          s -> s.cacheHitCount()));
      out.add(cumulative(all, "nv_cache_num_misses_per_model", "Number of cache misses per model",
          s -> s.cacheMissCount()));
      out.add(cumulative(all, "nv_cache_hit_duration_per_model",
          "Total cache hit duration per model, in microseconds", s -> s.cacheHitNanos() / 1000.0));
      out.add(cumulative(all, "nv_cache_miss_duration_per_model",
          "Total cache miss (insert + lookup) duration per model, in microseconds", s -> s.cacheMissNanos() / 1000.0));
      GaugeSnapshot.Builder pending = GaugeSnapshot.builder().name("nv_inference_pending_request_count")
          .help("Instantaneous number of pending requests awaiting execution per-model.");
      for (Source s : all) {
        pending.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
            .labels(labels(s)).value(s.stats().pendingCount()).build());
      }
      out.add(pending.build());
      return new MetricSnapshots(out);
    }

    private static CounterSnapshot cumulative(List<Source> all, String name, String help,
        ToDoubleFunction<ModelStats> value) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
      for (Source s : all) {
        b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(labels(s)).value(value.applyAsDouble(s.stats())).build());
      }
      return b.build();
    }

    private static CounterSnapshot failures(List<Source> all) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name("nv_inference_request_failure")
          .help("Number of failed inference requests, all batch sizes");
      for (Source s : all) {
        for (FinalOutcome reason : FinalOutcome.values()) {
          if (reason == FinalOutcome.SUCCESS) continue;
          b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
              .labels(labels(s).add("reason", reason.name()))
              .value(s.stats().failureCount(reason)).build());
        }
      }
      return b.build();
    }

    private static Labels labels(Source s) {
      return Labels.of("model", s.model(), "version", Long.toString(s.version()));
    }
  }
}
