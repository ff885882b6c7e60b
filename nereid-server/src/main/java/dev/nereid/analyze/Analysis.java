package dev.nereid.analyze;

import dev.nereid.InferenceRequest;
import dev.nereid.perf.PerfTarget;
import dev.nereid.perf.PerfRunner;
import dev.nereid.proto.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures every point of a sweep: loads the model with the point's config through a {@link Deployment}
 * (a repository load with a {@code config} override, the way Triton's Model Analyzer reloads a model per
 * configuration), then drives it with the perf load generator at each concurrency. A point whose config
 * fails to load is reported as failed and the sweep goes on.
 */
public final class Analysis {
  private static final Logger log = LoggerFactory.getLogger(Analysis.class);

  /** What the analysis reports as it goes. */
  public interface Listener {
    /** Called before point {@code index} (from 0) of {@code total} is loaded. */
    void pointStarted(int index, int total, SweepPoint point);

    /** Called with each measurement as it is taken. */
    void measured(Measurement measurement);

    /** Called when a point's config does not load or its first request fails; the sweep goes on. */
    void pointFailed(SweepPoint point, String reason);
  }

  /**
   * How each load level is measured.
   *
   * @param concurrencies requests kept in flight, one measurement each
   * @param windowMillis measurement window per level (a warm-up of a fifth of it comes first)
   * @param batchSize the batch each request carries, for a config that batches
   */
  public record Load(List<Integer> concurrencies, long windowMillis, int batchSize) {
    public Load {
      concurrencies = List.copyOf(concurrencies);
      if (concurrencies.isEmpty()) throw new IllegalArgumentException("at least one concurrency is needed");
      if (windowMillis < 1) throw new IllegalArgumentException("the window must be positive, got " + windowMillis);
      if (batchSize < 1) throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
    }
  }

  private final Deployment deployment;
  private final String modelName;

  public Analysis(Deployment deployment, String modelName) {
    this.deployment = deployment;
    this.modelName = modelName;
  }

  /**
   * Runs the sweep over the deployment's current config.
   *
   * @param requestFor the request to send for a point's config (its batch dimension follows the config)
   * @return every measurement taken, in order
   */
  public List<Measurement> run(Sweep sweep, Load load, Function<ModelConfig, InferenceRequest> requestFor,
      Listener listener) throws InterruptedException {
    ModelConfig base = deployment.baseConfig();
    List<SweepPoint> points = sweep.points(base);
    List<Measurement> all = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      SweepPoint point = points.get(i);
      listener.pointStarted(i, points.size(), point);
      ModelConfig config = point.applyTo(base);
      try {
        PerfTarget target = deployment.deploy(config, requestFor.apply(config),
            config.getMaxBatchSize() > 0 ? load.batchSize() : 1);
        // Fails here, once, with the model's own message if the request does not fit this config.
        target.infer();
        PerfRunner runner = new PerfRunner(target, load.windowMillis(), 99, progress -> {});
        for (int concurrency : load.concurrencies()) {
          Measurement m = new Measurement(point, runner.atConcurrency(concurrency));
          all.add(m);
          listener.measured(m);
        }
        target.close();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        log.info("configuration {} of '{}' failed: {}", point.label(), modelName, e.getMessage());
        listener.pointFailed(point, e.getMessage());
      }
    }
    return List.copyOf(all);
  }
}
