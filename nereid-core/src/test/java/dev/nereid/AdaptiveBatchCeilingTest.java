package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.testing.javamodels.RowCostModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adaptive policy's batch ceiling on a real model whose large batches cost more per row: closed-loop
 * callers keep the queue full, and the batches the model runs shrink once trials show smaller ones are
 * cheaper. The sizes are what the model itself saw.
 */
class AdaptiveBatchCeilingTest {
  @TempDir Path repo;
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) server.stop();
  }

  private Model start(String name, String dynamicBatching, String extra) throws Exception {
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), JavaModels.config(RowCostModel.class, """
        max_batch_size: 16
        input [ { name: "X" data_type: TYPE_FP32 dims: [ 1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ 1 ] } ]
        instance_group [ { kind: KIND_CPU count: 2 } ]
        dynamic_batching { %s }
        """.formatted(dynamicBatching) + extra));
    server = new Server(ServerOptions.of(repo)).start();
    return server.model(name);
  }

  /** Runs 16 closed-loop callers until the model has run {@code batches} batches; checks every answer. */
  private static void load(Model model, String name, int batches) throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> callers = new ArrayList<>();
    for (int c = 0; c < 16; c++) {
      int caller = c;
      callers.add(Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; RowCostModel.sizes(name).size() < batches && failure.get() == null; i++) {
            float value = caller * 100_000 + i;
            try (InferenceResponse r = model.infer(InferenceRequest.builder()
                .input("X", Tensor.of(new float[] {value}, 1, 1)).build()).next()) {
              assertThat(r.output("Y").toFloatArray()).containsExactly(value);
            }
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      }));
    }
    for (Thread t : callers) {
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(t.isAlive()).as("a caller still running after 60 s").isFalse();
    }
    if (failure.get() != null) throw new AssertionError("a caller failed", failure.get());
  }

  private static double meanOfLast(List<Integer> sizes, int n) {
    return sizes.subList(sizes.size() - n, sizes.size()).stream().mapToInt(Integer::intValue).average().orElseThrow();
  }

  @Test
  void batchesShrinkWhenSmallerOnesCostLessPerRow() throws Exception {
    Model model = start("rowcost", "", "");
    load(model, "rowcost", 1500);
    List<Integer> sizes = RowCostModel.sizes("rowcost");
    // 16 callers on 2 instances run batches of 3 to 6 while no trial has run (2.5-4 ms per row);
    // batches of 1 take 1.5 ms per row, and the trials end there.
    assertThat(meanOfLast(sizes, 200)).as("mean of the last 200 batches (first 200: %.1f)",
        sizes.subList(0, 200).stream().mapToInt(Integer::intValue).average().orElseThrow()).isLessThanOrEqualTo(3.0);
  }

  @Test
  void tritonPolicyKeepsItsFullBatches() throws Exception {
    // With a queue delay Triton's batcher gathers what queued behind the other instance (8 to 16 of the
    // 16 callers); no ceiling applies to it, so trials would show as batches of 1 to 4.
    Model model = start("rowcost_triton", "max_queue_delay_microseconds: 20000",
        "parameters { key: \"nereid_batch_policy\" value { string_value: \"triton\" } }");
    load(model, "rowcost_triton", 40);
    assertThat(meanOfLast(RowCostModel.sizes("rowcost_triton"), 20)).isGreaterThan(4.0);
  }
}
