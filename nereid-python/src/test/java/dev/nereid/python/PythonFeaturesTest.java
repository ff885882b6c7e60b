package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data types, shared memory, decoupled models, BLS, auto-complete and dynamic batching with python models. */
class PythonFeaturesTest {
  @TempDir static Path repository;
  static Server server;

  @BeforeAll
  static void start() {
    server = PythonRepository.serve(repository, "identity_types", "repeat", "bls", "onnx_identity", "auto_complete",
        "batcher", "recursive", "add_sub", "pipeline", "accumulate", "bf16_scale");
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
    // Every shared-memory segment (the server's and the stubs') is gone with the stubs. Only this JVM's:
    // another build running the same tests beside this one has segments of its own.
    String ours = "nereid-py-" + ProcessHandle.current().pid() + "-";
    try (var files = java.nio.file.Files.list(Path.of("/dev/shm"))) {
      assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(ours)).toList()).isEmpty();
    }
  }

  private static Tensor random(DataType type, int count, long seed) {
    java.util.Random random = new java.util.Random(seed);
    if (type == DataType.BYTES) {
      byte[][] values = new byte[count][];
      for (int i = 0; i < count; i++) {
        values[i] = new byte[random.nextInt(9)];
        random.nextBytes(values[i]);
      }
      return Tensor.ofBytes(values);
    }
    byte[] bytes = new byte[count * type.byteSize()];
    random.nextBytes(bytes);
    if (type == DataType.BOOL) {
      for (int i = 0; i < bytes.length; i++) bytes[i] &= 1;
    }
    return Tensor.of(type, new long[] {count}, ByteBuffer.wrap(bytes));
  }

  @Test
  void identityOverEveryDataType() {
    InferenceRequest.Builder request = server.model("identity_types").createRequest();
    Map<String, Tensor> sent = new java.util.LinkedHashMap<>();
    for (DataType type : DataType.values()) {
      String name = type == DataType.BYTES ? "STRING" : type.name();
      Tensor t = random(type, 7 + type.ordinal(), type.ordinal());
      sent.put(name, t);
      request.input("IN_" + name, t);
    }
    InferenceResponse r = server.model("identity_types").infer(request.build()).next();
    for (var e : sent.entrySet()) {
      Tensor out = r.output("OUT_" + e.getKey());
      assertThat(out.dataType()).as(e.getKey()).isEqualTo(e.getValue().dataType());
      assertThat(out.shape()).as(e.getKey()).isEqualTo(e.getValue().shape());
      assertThat(out.data()).as(e.getKey()).isEqualTo(e.getValue().data());
    }
  }

  @Test
  void bf16ReachesTheModelThroughDlpackOnlyAsInTriton() {
    InferenceResponse r = server.model("bf16_scale").infer(Map.of("IN", new float[] {1.5f, -2f, 3.140625f})).next();
    assertThat(r.output("AS_NUMPY").toStrings()).containsExactly(
        "Tensor dtype is BF16 and cannot be converted to NumPy. Use to_dlpack() and from_dlpack() instead.");
    assertThat(r.output("SAME").dataType()).isEqualTo(DataType.BF16);
    assertThat(r.output("SAME").toFloatArray()).containsExactly(1.5f, -2f, 3.140625f);
  }

  @Test
  void largeTensorsGoThroughSharedMemoryBothWays() {
    int count = 3 * 1024 * 1024; // 12 MiB of FP32, far over the inline limit
    ByteBuffer data = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) data.putFloat(i * 0.5f);
    data.flip();
    for (int round = 0; round < 3; round++) { // segments are reused from round 2 on
      InferenceResponse r = server.model("identity_types").infer(Map.of("IN_FP32", Tensor.of(DataType.FP32,
          new long[] {count}, data), "IN_STRING", random(DataType.BYTES, 40_000, round))).next();
      Tensor out = r.output("OUT_FP32");
      assertThat(out.data()).isEqualTo(data);
      assertThat(r.output("OUT_STRING").data()).isEqualTo(random(DataType.BYTES, 40_000, round).data());
    }
  }

  @Test
  void decoupledModelStreamsResponsesFromAThread() {
    List<InferenceResponse> responses = new ArrayList<>();
    try (ResponseIterator it = server.model("repeat").infer(Map.of("IN", new int[] {5, 6, 7}))) {
      it.forEachRemaining(responses::add);
    }
    assertThat(responses).hasSize(4);
    for (int i = 0; i < 3; i++) {
      assertThat(responses.get(i).output("OUT").toIntArray()).containsExactly(5 + i);
      assertThat(responses.get(i).output("IDX").toIntArray()).containsExactly(i);
      assertThat(responses.get(i).isFinal()).isFalse();
    }
    assertThat(responses.get(3).isFinal()).isTrue();
    assertThat(responses.get(3).outputs()).isEmpty();
  }

  private static InferenceResponse bls(String mode, float... x) {
    return server.model("bls").infer(Map.of("X", x, "MODE", new String[] {mode})).next();
  }

  @Test
  void blsCallsAnOnnxModel() {
    InferenceResponse r = bls("sync", 1, 2, 3);
    assertThat(r.output("Y").toFloatArray()).containsExactly(2, 4, 6);
  }

  @Test
  void blsIteratesADecoupledModel() {
    InferenceResponse r = bls("decoupled", 1, 2, 3, 4);
    assertThat(r.output("Y").toFloatArray()).containsExactly(10);
    assertThat(r.output("COUNT").toIntArray()).containsExactly(4);
  }

  @Test
  void blsAsyncExecRunsCallsTogether() {
    InferenceResponse r = bls("async", 1, 2);
    assertThat(r.output("Y").toFloatArray()).containsExactly(2, 4);
  }

  @Test
  void blsErrorComesBackOnTheResponse() {
    assertThatThrownBy(() -> bls("missing", 1))
        .isInstanceOf(NereidException.Internal.class)
        .hasMessageContaining("BLS said:").hasMessageContaining("no_such_model");
  }

  @Test
  void largeBlsTensorsUseSharedMemory() {
    float[] x = new float[200_000];
    for (int i = 0; i < x.length; i++) x[i] = i;
    float[] y = bls("sync", x).output("Y").toFloatArray();
    for (int i = 0; i < x.length; i += 9999) assertThat(y[i]).isEqualTo(2f * i);
  }

  @Test
  void aModelWithOneInstanceCallsItselfWithoutDeadlock() {
    InferenceResponse r = server.model("recursive").infer(Map.of("DEPTH", new int[] {4})).next();
    assertThat(r.output("CALLS").toIntArray()).containsExactly(5);
  }

  @Test
  void concurrentBlsCallersEachGetTheirOwnAnswer() throws Exception {
    List<CompletableFuture<InferenceResponse>> futures = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      futures.add(server.model("bls").inferAsync(InferenceRequest.of(Map.of("X", new float[] {i + 1, -i - 1},
          "MODE", new String[] {i % 2 == 0 ? "sync" : "async"}))));
    }
    for (int i = 0; i < futures.size(); i++) {
      assertThat(futures.get(i).get(60, TimeUnit.SECONDS).output("Y").toFloatArray()).containsExactly(2f * (i + 1), -2f * (i + 1));
    }
  }

  @Test
  void sequenceBatchingPassesCorrelationIdsAndFlags() {
    int[] totals = new int[4];
    for (int step = 0; step < 4; step++) {
      for (long sequence : new long[] {11, 22}) {
        InferenceRequest request = server.model("accumulate").createRequest()
            .input("X", new int[][] {{(int) sequence * (step + 1)}}).correlationId(sequence)
            .sequenceStart(step == 0).sequenceEnd(step == 3).build();
        int total = server.model("accumulate").infer(request).next().output("TOTAL").toIntArray()[0];
        if (sequence == 22) totals[step] = total;
        else assertThat(total).isEqualTo(11 * (step + 1) * (step + 2) / 2);
      }
    }
    assertThat(totals).containsExactly(22, 66, 132, 220);
  }

  @Test
  void anEnsembleChainsAPythonModelAndAnOnnxModel() {
    InferenceResponse r = server.model("pipeline").infer(Map.of("A", new float[] {1, 2, 3, 4},
        "B", new float[] {10, 10, 10, 10})).next();
    assertThat(r.output("SUM").toFloatArray()).containsExactly(11, 12, 13, 14);
  }

  @Test
  void autoCompleteConfigDescribesAModelWithoutConfig() {
    var config = server.model("auto_complete").config();
    assertThat(config.getBackend()).isEqualTo("python");
    assertThat(config.getMaxBatchSize()).isEqualTo(4);
    assertThat(config.hasDynamicBatching()).isTrue();
    assertThat(config.getInput(0).getName()).isEqualTo("VALUE");
    assertThat(config.getInput(0).getDimsList()).containsExactly(3L);
    assertThat(config.getOutput(0).getName()).isEqualTo("DOUBLED");
    InferenceResponse r = server.model("auto_complete").infer(Map.of("VALUE", new float[][] {{1, 2, 3}, {4, 5, 6}})).next();
    assertThat(r.output("DOUBLED").toFloatArray()).containsExactly(2, 4, 6, 8, 10, 12);
  }

  @Test
  void dynamicBatchingHandsConcurrentRequestsToOneExecute() throws Exception {
    List<CompletableFuture<InferenceResponse>> futures = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      futures.add(server.model("batcher").inferAsync(InferenceRequest.of(Map.of("X", new long[][] {{i}}))));
    }
    int largest = 0;
    for (int i = 0; i < futures.size(); i++) {
      InferenceResponse r = futures.get(i).get(60, TimeUnit.SECONDS);
      assertThat(r.output("Y").toLongArray()).containsExactly(10L * i);
      largest = Math.max(largest, r.output("REQUESTS").toIntArray()[0]);
    }
    assertThat(largest).as("requests in the largest execute call").isGreaterThan(1);
  }
}
