package dev.nereid.analyze;

import dev.nereid.proto.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The configurations to try: the cartesian product of its lists. A model whose config does not batch
 * ({@code max_batch_size: 0}) is swept over instances and threads only, since batching it would change
 * its inputs' shapes.
 *
 * @param instances instance counts
 * @param intraOpThreads intra-op thread counts; {@code [0]} leaves the config's setting alone
 * @param maxBatchSizes max batch sizes, for a batching model
 * @param queueDelaysMicros queue delays; -1 stands for dynamic batching off
 * @param preferredBatchSizes one preferred batch size each; 0 for none
 */
public record Sweep(List<Integer> instances, List<Integer> intraOpThreads, List<Integer> maxBatchSizes,
    List<Long> queueDelaysMicros, List<Integer> preferredBatchSizes) {

  public Sweep {
    instances = nonEmpty("instances", instances);
    intraOpThreads = nonEmpty("intra-op threads", intraOpThreads);
    maxBatchSizes = nonEmpty("max batch sizes", maxBatchSizes);
    queueDelaysMicros = nonEmpty("queue delays", queueDelaysMicros);
    preferredBatchSizes = nonEmpty("preferred batch sizes", preferredBatchSizes);
  }

  /** Every point of the sweep for this model, in the order they are measured. */
  public List<SweepPoint> points(ModelConfig base) {
    boolean batching = base.getMaxBatchSize() > 0;
    List<SweepPoint> points = new ArrayList<>();
    for (int instanceCount : instances) {
      for (int threads : intraOpThreads) {
        if (!batching) {
          points.add(new SweepPoint(instanceCount, threads, 0, -1, 0));
          continue;
        }
        for (int maxBatch : maxBatchSizes) {
          if (maxBatch == 0) {
            points.add(new SweepPoint(instanceCount, threads, 0, -1, 0));
            continue;
          }
          for (long delay : queueDelaysMicros) {
            if (delay < 0) {
              points.add(new SweepPoint(instanceCount, threads, maxBatch, -1, 0));
              continue;
            }
            for (int preferred : preferredBatchSizes) {
              if (preferred <= maxBatch) points.add(new SweepPoint(instanceCount, threads, maxBatch, delay, preferred));
            }
          }
        }
      }
    }
    return List.copyOf(points);
  }

  private static <T> List<T> nonEmpty(String what, List<T> values) {
    if (values == null || values.isEmpty()) throw new IllegalArgumentException("the sweep needs at least one value of " + what);
    return List.copyOf(values);
  }
}
