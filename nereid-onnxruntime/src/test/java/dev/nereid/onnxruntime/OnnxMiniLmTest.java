package dev.nereid.onnxruntime;

import static dev.nereid.onnxruntime.OnnxSimpleModelTest.single;
import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelControlMode;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real model from Maven Central, as the build places it in the example repository: Nereid's
 * output must equal a raw {@code OrtSession.run} with the same session options, bit for bit.
 */
class OnnxMiniLmTest {
  static final Path EXAMPLES = Path.of("..", "examples", "models");
  static final String NAME = "all_minilm_l6_v2";
  static Server server;
  static OrtEnvironment env;
  static OrtSession.SessionOptions rawOptions;
  static OrtSession raw;

  @BeforeAll
  static void start() throws Exception {
    server = new Server(ServerOptions.builder().modelRepository(EXAMPLES).modelControlMode(ModelControlMode.EXPLICIT)
        .startupModel(NAME).build()).start();
    env = OrtEnvironment.getEnvironment();
    ModelConfig config = server.model(NAME).config();
    rawOptions = OrtSessionSettings.create(NAME, config, 1, -1);
    raw = env.createSession(EXAMPLES.resolve(NAME).resolve("1").resolve("model.onnx").toString(), rawOptions);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    raw.close();
    rawOptions.close();
  }

  @Test
  void configBatchesTokenSequences() {
    assertThat(server.model(NAME).state()).isEqualTo(ModelState.READY);
    ModelConfig c = server.model(NAME).config();
    assertThat(c.getMaxBatchSize()).isEqualTo(8);
    // Requests run alone: batching rows changes this per-tensor quantized model's numbers (see config.pbtxt).
    assertThat(c.hasDynamicBatching()).isFalse();
    assertThat(c.getInstanceGroup(0).getCount()).isEqualTo(2);
    assertThat(c.getInputList()).extracting(i -> i.getName())
        .containsExactly("input_ids", "attention_mask", "token_type_ids");
    assertThat(c.getOutput(0).getDimsList()).containsExactly(-1L, 384L);
  }

  /** The request the CLI sends for {@code ./nereid infer all_minilm_l6_v2 --input 'input_ids=[[101,7592,2088,102]]' ...}. */
  @Test
  void helloWorldTokensAsNestedListsLikeTheCli() throws Exception {
    InferenceResponse r = single(server.model(NAME).infer(Map.of(
        "input_ids", List.of(List.of(101, 7592, 2088, 102)),
        "attention_mask", List.of(List.of(1, 1, 1, 1)),
        "token_type_ids", List.of(List.of(0, 0, 0, 0)))));
    Tensor out = r.output("last_hidden_state");
    assertThat(out.shape()).containsExactly(1, 4, 384);
    assertThat(out.data()).isEqualTo(rawRun(new long[][] {{101, 7592, 2088, 102}}));
  }

  @Test
  void equalsRawOrtBitForBitAtBatchOneAndMore() throws Exception {
    Random random = new Random(42);
    for (int[] batchAndLength : new int[][] {{1, 8}, {1, 128}, {3, 16}, {8, 32}}) {
      long[][] ids = new long[batchAndLength[0]][batchAndLength[1]];
      for (long[] row : ids) {
        row[0] = 101;
        for (int i = 1; i < row.length - 1; i++) row[i] = 1000 + random.nextInt(29000);
        row[row.length - 1] = 102;
      }
      Tensor output = single(server.model(NAME).infer(Map.of(
          "input_ids", direct(ids, 1),
          "attention_mask", direct(ids, 2),
          "token_type_ids", direct(ids, 3)))).output("last_hidden_state");
      assertThat(output.shape()).containsExactly(batchAndLength[0], batchAndLength[1], 384);
      assertThat(output.data()).as("batch %d, length %d", batchAndLength[0], batchAndLength[1])
          .isEqualTo(rawRun(ids));
    }
  }

  /**
   * Dynamic batching: eight concurrent batch-1 requests arrive within the queue delay and run as one
   * batch of eight; each answer must be its row of a raw batch-8 run, bit for bit.
   */
  @Test
  void concurrentRequestsRunAsOneBatchAndEachGetsItsRow(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String config = java.nio.file.Files.readString(EXAMPLES.resolve(NAME).resolve("config.pbtxt"))
        .replace("max_batch_size: 8", "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 2000000 preferred_batch_size: [ 8 ] }")
        .replace("name: \"all_minilm_l6_v2\"", "name: \"minilm_batched\"");
    new TestRepository(dir).add("minilm_batched", EXAMPLES.resolve(NAME).resolve("1").resolve("model.onnx"), config);
    Random random = new Random(7);
    long[][] ids = new long[8][16];
    for (long[] row : ids) {
      row[0] = 101;
      for (int i = 1; i < 15; i++) row[i] = 1000 + random.nextInt(29000);
      row[15] = 102;
    }
    ByteBuffer expected = rawRun(ids);
    try (Server batching = new Server(dev.nereid.ServerOptions.of(dir)).start()) {
      List<java.util.concurrent.CompletableFuture<InferenceResponse>> sent = new java.util.ArrayList<>();
      for (long[] row : ids) {
        long[][] one = {row};
        sent.add(batching.model("minilm_batched").inferAsync(dev.nereid.InferenceRequest.builder()
            .input("input_ids", direct(one, 1)).input("attention_mask", direct(one, 2))
            .input("token_type_ids", direct(one, 3)).build()));
      }
      int rowBytes = 16 * 384 * 4;
      for (int b = 0; b < 8; b++) {
        Tensor out = sent.get(b).get(60, java.util.concurrent.TimeUnit.SECONDS).output("last_hidden_state");
        assertThat(out.shape()).containsExactly(1, 16, 384);
        assertThat(out.data()).as("request %d", b).isEqualTo(expected.slice(b * rowBytes, rowBytes));
      }
      // Execution statistics are written when execute returns, just after the answers went out.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (batching.model("minilm_batched").statistics().get(0).executionCount() == 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(batching.model("minilm_batched").statistics().get(0).batchStats())
          .extracting(dev.nereid.ModelStatistics.BatchStats::batchSize).containsExactly(8L);
    }
  }

  /** The ids (which = 1), a mask of ones (2) or zero token types (3), as a direct INT64 tensor. */
  private static Tensor direct(long[][] ids, int which) {
    int batch = ids.length;
    int length = ids[0].length;
    ByteBuffer data = ByteBuffer.allocateDirect(batch * length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long[] row : ids) {
      for (long id : row) data.putLong(which == 1 ? id : which == 2 ? 1 : 0);
    }
    return Tensor.of(dev.nereid.DataType.INT64, new long[] {batch, length}, data.flip());
  }

  private static ByteBuffer rawRun(long[][] ids) throws Exception {
    int batch = ids.length;
    int length = ids[0].length;
    long[] flatIds = new long[batch * length];
    long[] mask = new long[batch * length];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < length; i++) {
        flatIds[b * length + i] = ids[b][i];
        mask[b * length + i] = 1;
      }
    }
    long[] shape = {batch, length};
    try (OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(flatIds), shape);
        OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[batch * length]), shape);
        OrtSession.Result r = raw.run(Map.of("input_ids", in, "attention_mask", m, "token_type_ids", t))) {
      return ((OnnxTensor) r.get(0)).getByteBuffer();
    }
  }
}
