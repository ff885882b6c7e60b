package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelInstanceGroup;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the server adds to a config: the backend's auto-complete (only when strict is off) and the
 * default instance group (always), seen through {@link Model#config()} and {@link Model#configJson()}.
 */
class AutoCompleteTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The tutorial's identity config: two of the <type>_input inputs. */
  private static final String TUTORIAL_IDENTITY = """
      backend: "identity"
      max_batch_size: 0
      input [
        { name: "string_input" data_type: TYPE_STRING dims: [ -1, -1 ] optional: true },
        { name: "fp16_input" data_type: TYPE_FP16 dims: [ -1, -1 ] optional: true }
      ]
      output [
        { name: "string_output" data_type: TYPE_STRING dims: [ -1, -1 ] },
        { name: "fp16_output" data_type: TYPE_FP16 dims: [ -1, -1 ] }
      ]
      """;

  @TempDir Path repo;

  private Server start(boolean strict) {
    return new Server(ServerOptions.builder().modelRepository(repo).strictModelConfig(strict).build()).start();
  }

  @Test
  void withoutStrictTheIdentityBackendAddsEveryTypedInputAndOutput() {
    new TestRepository(repo).model("identity", TUTORIAL_IDENTITY, 1);
    try (Server server = start(false)) {
      ModelConfig config = server.model("identity").config();
      assertThat(config.getInputList()).extracting(ModelInput::getName)
          .startsWith("string_input", "fp16_input")
          .contains("bool_input", "uint8_input", "int32_input", "int64_input", "fp32_input", "fp64_input", "bf16_input");
      assertThat(config.getOutputList()).extracting(o -> o.getName()).contains("fp32_output", "bool_output");
      assertThat(config.getInputCount()).isEqualTo(DataType.values().length);
      ModelInput fp32 = config.getInputList().stream().filter(i -> i.getName().equals("fp32_input")).findFirst().orElseThrow();
      assertThat(fp32.getDataType()).isEqualTo(dev.nereid.proto.DataType.TYPE_FP32);
      assertThat(fp32.getDimsList()).containsExactly(-1L, -1L);
      assertThat(fp32.getOptional()).isTrue();
      var out = server.model("identity").infer(java.util.Map.of("fp32_input", new float[][] {{1f, 2f}})).next();
      assertThat(out.output("fp32_output").toFloatArray()).containsExactly(1f, 2f);
    }
  }

  @Test
  void strictConfigIsServedAsWritten() {
    new TestRepository(repo).model("identity", TUTORIAL_IDENTITY, 1);
    try (Server server = start(true)) {
      ModelConfig config = server.model("identity").config();
      assertThat(config.getInputList()).extracting(ModelInput::getName).containsExactly("string_input", "fp16_input");
      assertThat(config.getOutputList()).extracting(o -> o.getName()).containsExactly("string_output", "fp16_output");
      assertThat(config.getBackend()).isEqualTo("identity");
    }
  }

  @Test
  void decoupledParameterIsAppliedOnlyByAutoComplete() {
    String decoupled = TestRepository.identity("parameters { key: \"decoupled\" value { string_value: \"true\" } }");
    new TestRepository(repo).model("dec", decoupled, 1);
    try (Server server = start(false)) {
      assertThat(server.model("dec").config().getModelTransactionPolicy().getDecoupled()).isTrue();
      assertThat(server.model("dec").decoupled()).isTrue();
    }
    try (Server server = start(true)) {
      assertThat(server.model("dec").decoupled()).isFalse();
    }
  }

  @Test
  void defaultInstanceGroupIsFilledEvenWhenStrict() {
    new TestRepository(repo).identityModel("plain");
    for (boolean strict : new boolean[] {false, true}) {
      try (Server server = start(strict)) {
        ModelConfig config = server.model("plain").config();
        assertThat(config.getName()).isEqualTo("plain");
        assertThat(config.getInstanceGroupList()).hasSize(1);
        ModelInstanceGroup group = config.getInstanceGroup(0);
        assertThat(group.getName()).isEqualTo("plain");
        assertThat(group.getKind()).isEqualTo(ModelInstanceGroup.Kind.KIND_CPU);
        assertThat(group.getCount()).isEqualTo(1);
      }
    }
  }

  @Test
  void unnamedGroupsAreNamedAfterTheModelAndTheirPositionAsTritonDoes() {
    new TestRepository(repo).model("grouped", TestRepository.identity("""
        instance_group [ { count: 2 }, { name: "mine" kind: KIND_CPU }, { kind: KIND_AUTO count: 0 } ]
        """), 1);
    try (Server server = start(true)) {
      ModelConfig config = server.model("grouped").config();
      assertThat(config.getInstanceGroupList()).extracting(ModelInstanceGroup::getName)
          .containsExactly("grouped_0", "mine", "grouped_2");
      assertThat(config.getInstanceGroupList()).extracting(ModelInstanceGroup::getKind)
          .containsOnly(ModelInstanceGroup.Kind.KIND_CPU);
      assertThat(config.getInstanceGroupList()).extracting(ModelInstanceGroup::getCount).containsExactly(2, 1, 1);
      assertThat(TestRepository.echo(server.model("grouped"), 1f)).containsExactly(1f);
    }
  }

  @Test
  void configJsonUsesTritonsFieldNamesAndPrintsInt64AsStrings() throws Exception {
    new TestRepository(repo).model("identity", TUTORIAL_IDENTITY, 1);
    try (Server server = start(true)) {
      JsonNode json = JSON.readTree(server.model("identity").configJson());
      assertThat(json.get("name").asText()).isEqualTo("identity");
      assertThat(json.get("backend").asText()).isEqualTo("identity");
      assertThat(json.get("max_batch_size").isInt()).isTrue();
      assertThat(json.get("max_batch_size").asInt()).isZero();
      // One input as Triton prints it: every field, enums by name, int64 dims as strings.
      assertThat(json.get("input").get(0)).isEqualTo(JSON.readTree("""
          {"name":"string_input","data_type":"TYPE_STRING","format":"FORMAT_NONE","dims":["-1","-1"],
           "is_shape_tensor":false,"allow_ragged_batch":false,"optional":true,"is_non_linear_format_io":false}
          """));
      assertThat(json.get("output").get(1).get("dims")).isEqualTo(JSON.readTree("[\"-1\",\"-1\"]"));
      assertThat(json.get("output").get(1).get("label_filename").asText()).isEmpty();
      JsonNode group = json.get("instance_group").get(0);
      assertThat(group.get("name").asText()).isEqualTo("identity");
      assertThat(group.get("kind").asText()).isEqualTo("KIND_CPU");
      assertThat(group.get("count").asInt()).isEqualTo(1);
      assertThat(json.has("default_model_filename")).isTrue();
      assertThat(json.has("maxBatchSize")).isFalse();
      assertThat(json.get("model_transaction_policy")).isEqualTo(JSON.readTree("{\"decoupled\":false}"));
      assertThat(json.get("version_policy")).isEqualTo(JSON.readTree("{\"latest\":{\"num_versions\":1}}"));
    }
  }

  @Test
  void configJsonParsesBackToTheSameConfig() {
    new TestRepository(repo).model("identity", TUTORIAL_IDENTITY, 1);
    try (Server server = start(false)) {
      ModelConfig config = server.model("identity").config();
      assertThat(dev.nereid.internal.config.ModelConfigs.parseJson(server.model("identity").configJson())).isEqualTo(config);
    }
  }

  @Test
  void missingConfigFileIsAutoCompletedOnlyAsFarAsTheFilesAllow() {
    new TestRepository(repo).version("no_config", 1).identityModel("good");
    try (Server server = start(false)) {
      ModelIndexEntry row = TestRepository.row(server, "no_config", -1);
      assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(row.reason()).contains("no backend or platform", "inferred from its files");
      assertThat(TestRepository.echo(server.model("good"), 1f)).containsExactly(1f);
    }
  }
}
