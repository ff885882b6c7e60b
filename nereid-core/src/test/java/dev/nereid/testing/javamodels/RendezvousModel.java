package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.Batch;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Y = X * factor, but only once another model with the same {@code rendezvous} parameter is executing
 * at the same moment: each execution waits (up to 10 s) at a barrier shared by the two. An execution
 * that finds itself alone fails, so a request that gets its answer proves both ran concurrently.
 */
public final class RendezvousModel implements JavaModel {
  private static final Map<String, CyclicBarrier> BARRIERS = new ConcurrentHashMap<>();

  private CyclicBarrier barrier;
  private float factor;

  @Override
  public void initialize(JavaModelContext context) {
    barrier = BARRIERS.computeIfAbsent(context.parameter("rendezvous").orElseThrow(), k -> new CyclicBarrier(2));
    factor = Float.parseFloat(context.parameter("factor").orElse("1"));
  }

  @Override
  public void execute(Batch batch) throws Exception {
    try {
      barrier.await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("ran alone: the other branch did not execute at the same time", e);
    }
    float[] x = batch.input("X").toFloatArray();
    for (int i = 0; i < x.length; i++) x[i] *= factor;
    batch.respond(Map.of("Y", Tensor.of(x, x.length)));
  }
}
