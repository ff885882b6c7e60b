package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.Batch;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Y = X, FP32, taking longer per row the larger the batch: a batch of n rows takes
 * {@code n * (1000 + 500 n)} microseconds (parked, not spinning), the shape of a CPU model whose large
 * batches outgrow its caches, exaggerated so a test on a busy machine can see it. Records every batch
 * size it ran, per model name.
 */
public final class RowCostModel implements JavaModel {
  private static final Map<String, List<Integer>> SIZES = new ConcurrentHashMap<>();
  private List<Integer> sizes;

  /** The batch sizes this model ran so far, in the order they finished. */
  public static List<Integer> sizes(String model) {
    return SIZES.computeIfAbsent(model, k -> new CopyOnWriteArrayList<>());
  }

  @Override
  public void initialize(JavaModelContext context) {
    sizes = sizes(context.modelName());
  }

  @Override
  public void execute(Batch batch) {
    Tensor x = batch.input("X");
    int rows = (int) x.dim(0);
    long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(rows * (1000L + 500L * rows));
    for (long left; (left = deadline - System.nanoTime()) > 0; ) LockSupport.parkNanos(left);
    batch.respond(Map.of("Y", Tensor.of(x.toFloatArray(), x.shape())));
    sizes.add(rows);
  }
}
