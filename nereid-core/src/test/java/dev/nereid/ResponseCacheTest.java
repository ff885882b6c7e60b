package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** response_cache: hits skip the model, misses fill the cache, and the settings the server cannot honour are refused. */
class ResponseCacheTest {
  @TempDir Path repo;

  private void model(String name, String extra) throws Exception {
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
        response_cache { enable: true }
        %s
        """.formatted(extra));
  }

  private static ByteBuffer floats(float... values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    return b.flip();
  }

  @Test
  void aRepeatedRequestIsAnsweredFromTheCacheWithoutRunningTheModel() throws Exception {
    model("cached", "");
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).responseCacheByteSize(1 << 20).build())
        .start()) {
      Model model = server.model("cached");
      ByteBuffer callerBuffer = floats(1, 2, 3);
      Tensor in = Tensor.of(DataType.FP32, new long[] {3}, callerBuffer);
      assertThat(IdentityDataTypesTest.single(model.infer(Map.of("INPUT0", in))).output("OUTPUT0").toFloatArray())
          .containsExactly(1, 2, 3);
      // The caller reuses its buffer after its request completed: the cached answer must not change.
      callerBuffer.putFloat(0, 99f);
      InferenceResponse hit = IdentityDataTypesTest.single(model.infer(Map.of("INPUT0", Tensor.of(new float[] {1, 2, 3}))));
      assertThat(hit.output("OUTPUT0").toFloatArray()).containsExactly(1, 2, 3);
      IdentityDataTypesTest.single(model.infer(Map.of("INPUT0", Tensor.of(new float[] {4}))));

      TestRepository.await("executions counted", java.time.Duration.ofSeconds(10),
          () -> model.statistics().get(0).executionCount() == 2);
      ModelStatistics.InferenceStats s = model.statistics().get(0).inferenceStats();
      assertThat(s.cacheHit().count()).isEqualTo(1);
      assertThat(s.cacheMiss().count()).isEqualTo(2);
      assertThat(s.success().count()).isEqualTo(3);
      assertThat(server.metrics()).contains("nv_cache_num_hits_per_model{model=\"cached\",version=\"1\"} 1")
          .contains("nv_cache_num_misses_per_model{model=\"cached\",version=\"1\"} 2");
    }
  }

  @Test
  void leastRecentlyUsedEntriesAreEvicted() throws Exception {
    model("small", "");
    // Room for two 400-byte answers, not three.
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).responseCacheByteSize(900).build())
        .start()) {
      Model model = server.model("small");
      for (float v : new float[] {1, 2, 1, 3, 1, 2}) {
        float[] data = new float[100];
        java.util.Arrays.fill(data, v);
        IdentityDataTypesTest.single(model.infer(Map.of("INPUT0", Tensor.of(data))));
      }
      // 1 miss, 2 miss, 1 hit, 3 miss (evicts 2), 1 hit, 2 miss.
      ModelStatistics.InferenceStats s = model.statistics().get(0).inferenceStats();
      assertThat(s.cacheHit().count()).isEqualTo(2);
      assertThat(s.cacheMiss().count()).isEqualTo(4);
    }
  }

  @Test
  void aModelEnablingTheCacheOnAServerWithoutOneIsUnavailable() throws Exception {
    model("nocache", "");
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.models().get(new ModelKey("nocache", 1)).reason())
          .contains("response_cache").contains("responseCacheByteSize");
    }
  }

  @Test
  void aDecoupledModelCannotUseTheCache() throws Exception {
    model("decoupled", "model_transaction_policy { decoupled: true }");
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).responseCacheByteSize(1 << 20).build())
        .start()) {
      ModelIndexEntry row = server.models().get(new ModelKey("decoupled", 1));
      assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(row.reason()).contains("not supported for decoupled models");
    }
  }
}
