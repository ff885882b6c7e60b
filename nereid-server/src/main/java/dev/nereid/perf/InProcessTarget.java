package dev.nereid.perf;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelStatistics;
import dev.nereid.ModelStatistics.Duration;
import dev.nereid.ResponseIterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Drives a model of an embedded server directly, through {@link Model#infer}. */
public final class InProcessTarget implements PerfTarget {
  private final Model model;
  private final InferenceRequest request;
  private final int batchSize;

  public InProcessTarget(Model model, InferenceRequest request, int batchSize) {
    this.model = model;
    this.request = request;
    this.batchSize = batchSize;
  }

  @Override
  public void infer() {
    try (ResponseIterator responses = model.infer(request)) {
      while (responses.hasNext()) {
        try (InferenceResponse r = responses.next()) {
          if (r.isFinal()) return;
        }
      }
    }
  }

  @Override
  public CompletableFuture<?> inferAsync() {
    return model.inferAsync(request).thenAccept(InferenceResponse::close);
  }

  @Override
  public Optional<ModelStatistics.InferenceStats> statistics() {
    List<ModelStatistics> all = model.statistics();
    return Optional.of(all.stream().map(ModelStatistics::inferenceStats).reduce(InProcessTarget::sum)
        .orElse(empty()));
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  static ModelStatistics.InferenceStats empty() {
    Duration z = new Duration(0, 0);
    return new ModelStatistics.InferenceStats(z, z, z, z, z, z, z, z);
  }

  static ModelStatistics.InferenceStats sum(ModelStatistics.InferenceStats a, ModelStatistics.InferenceStats b) {
    return new ModelStatistics.InferenceStats(add(a.success(), b.success()), add(a.fail(), b.fail()),
        add(a.queue(), b.queue()), add(a.computeInput(), b.computeInput()), add(a.computeInfer(), b.computeInfer()),
        add(a.computeOutput(), b.computeOutput()), add(a.cacheHit(), b.cacheHit()), add(a.cacheMiss(), b.cacheMiss()));
  }

  private static Duration add(Duration a, Duration b) {
    return new Duration(a.count() + b.count(), a.ns() + b.ns());
  }
}
