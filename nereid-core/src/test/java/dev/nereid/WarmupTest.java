package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.testing.GateBackend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model_warmup samples run on every instance before the model is READY, and are not counted. */
class WarmupTest {
  @TempDir Path repo;

  private void model(String name, String warmup, int instances) throws Exception {
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "gate"
        max_batch_size: 4
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 3 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 3 ] } ]
        instance_group [ { kind: KIND_CPU count: %d } ]
        %s
        """.formatted(instances, warmup));
  }

  @Test
  void everySampleRunsOnEveryInstanceBeforeReadyAndIsNotCounted() throws Exception {
    model("warm", """
        model_warmup [
          { name: "zeros" batch_size: 2 count: 2 inputs { key: "INPUT0" value { data_type: TYPE_FP32 dims: [ 3 ] zero_data: true } } },
          { name: "noise" batch_size: 1 inputs { key: "INPUT0" value { data_type: TYPE_FP32 dims: [ 3 ] random_data: true } } },
          { name: "file" batch_size: 1 inputs { key: "INPUT0" value { data_type: TYPE_FP32 dims: [ 3 ] input_data_file: "three_floats" } } }
        ]""", 2);
    Files.createDirectories(repo.resolve("warm").resolve("warmup"));
    ByteBuffer floats = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3);
    Files.write(repo.resolve("warm").resolve("warmup").resolve("three_floats"), floats.array());
    GateBackend.gate("warm").openWide();
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.model("warm").ready()).isTrue();
      // (2 + 1 + 1) executions on each of 2 instances, all before READY.
      assertThat(GateBackend.gate("warm").batches()).hasSize(8)
          .allSatisfy(ids -> assertThat(ids).singleElement().asString().startsWith("warmup:"));
      assertThat(server.model("warm").statistics().get(0).executionCount()).isZero();
    }
  }

  @Test
  void aFailingSampleLeavesTheModelUnavailableWithTheReason() throws Exception {
    model("cold", """
        model_warmup [ { name: "bad" batch_size: 1 inputs { key: "INPUT0" value { data_type: TYPE_FP32 dims: [ 3 ] input_data_file: "missing" } } } ]
        """, 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      ModelIndexEntry entry = server.models().get(new ModelKey("cold", 1));
      assertThat(entry.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(entry.reason()).contains("warmup 'bad'").contains("input_data_file");
    }
  }
}
