package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched outputs in recycled memory: closing a response gives its part back, a response still open
 * keeps its data while later batches reuse the memory of closed ones, and a closed response's outputs
 * refuse to be read.
 */
class OnnxOutputMemoryTest {
  private static final int ROW = 8_192; // 32 KiB of FP32 per request: pooled, not slab memory

  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() {
    new TestRepository(dir).add("doubler", "dynamic.onnx", """
        max_batch_size: 8
        input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
        dynamic_batching { max_queue_delay_microseconds: 20000 }
        instance_group [ { count: 1 } ]
        """);
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void closedResponsesLendTheirMemoryToLaterBatchesAndOpenOnesKeepTheirData() {
    InferenceResponse kept = null;
    long before = executions();
    for (int round = 0; round < 30; round++) {
      List<CompletableFuture<InferenceResponse>> batch = new ArrayList<>();
      for (int i = 0; i < 4; i++) batch.add(server.model("doubler").inferAsync(request(round * 4 + i)));
      for (int i = 0; i < 4; i++) {
        InferenceResponse response = batch.get(i).join();
        assertRow(response, round * 4 + i);
        if (round == 0 && i == 1) {
          kept = response; // its batch's other rows are closed: their memory must not be reused yet
        } else {
          response.close();
        }
      }
    }
    assertThat(executions() - before).as("batches ran, so rows shared blocks").isLessThan(30 * 4);
    assertRow(kept, 1);
    kept.close();
    Tensor closed = kept.output("Y");
    assertThatThrownBy(closed::toFloatArray).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed response");
    kept.close(); // closing again does nothing more
  }

  @Test
  void concurrentCallersThatCloseAlwaysReadTheirOwnRows() throws Exception {
    List<Thread> callers = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 6; t++) {
      int caller = t;
      callers.add(Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; i < 200; i++) {
            int seed = caller * 1000 + i;
            try (InferenceResponse response = server.model("doubler").inferAsync(request(seed)).join()) {
              assertRow(response, seed);
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    for (Thread t : callers) t.join();
    assertThat(failures).isEmpty();
  }

  private static long executions() {
    return server.model("doubler").statistics().get(0).executionCount();
  }

  private static InferenceRequest request(int seed) {
    float[] row = new float[ROW];
    for (int i = 0; i < ROW; i++) row[i] = seed + i;
    return InferenceRequest.builder().input("X", Tensor.of(row, 1, ROW)).build();
  }

  private static void assertRow(InferenceResponse response, int seed) {
    FloatBuffer y = response.output("Y").asFloatBuffer();
    assertThat(y.remaining()).isEqualTo(ROW);
    for (int i = 0; i < ROW; i += 511) {
      assertThat(y.get(i)).as("request %d element %d", seed, i).isEqualTo(2f * (seed + i));
    }
    assertThat(y.get(ROW - 1)).isEqualTo(2f * (seed + ROW - 1));
  }
}
