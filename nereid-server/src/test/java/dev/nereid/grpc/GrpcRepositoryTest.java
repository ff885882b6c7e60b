package dev.nereid.grpc;

import static dev.nereid.grpc.GrpcStatusRpcTest.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.nereid.ModelControlMode;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.ModelConfigRequest;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelReadyRequest;
import dev.nereid.grpc.proto.ModelRepositoryParameter;
import dev.nereid.grpc.proto.RepositoryIndexRequest;
import dev.nereid.grpc.proto.RepositoryIndexResponse;
import dev.nereid.grpc.proto.RepositoryModelLoadRequest;
import dev.nereid.grpc.proto.RepositoryModelUnloadRequest;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RepositoryIndex / RepositoryModelLoad / RepositoryModelUnload in EXPLICIT model control mode. */
class GrpcRepositoryTest {
  private static final String ECHO_CONFIG = """
      {"backend": "identity", "max_batch_size": 0,
       "input": [{"name": "INPUT0", "data_type": "TYPE_INT32", "dims": [4]}],
       "output": [{"name": "OUTPUT0", "data_type": "TYPE_INT32", "dims": [4]}]}""";

  private GrpcFixture fx;

  @BeforeEach
  void start() {
    fx = GrpcFixture.start(ServerOptions.builder()
        .modelRepository(GrpcFixture.EXAMPLES)
        .modelControlMode(ModelControlMode.EXPLICIT)
        .build(), o -> o);
  }

  @AfterEach
  void stop() throws InterruptedException {
    fx.close();
  }

  @Test
  void loadServeAndUnloadAModel() {
    assertThat(index()).extracting(m -> m.getName() + "/" + m.getVersion() + "/" + m.getState())
        .containsExactly("all_minilm_l6_v2//", "bert_tokenizer//", "identity//", "mean_pooling//", "repeat_int32//",
            "square_int32//", "stable_diffusion//", "text_embedding//", "text_encoder//", "unet//", "vae_decoder//");
    assertThat(ready("identity")).isFalse();

    fx.blocking.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("identity").build());
    assertThat(ready("identity")).isTrue();
    assertThat(index()).extracting(m -> m.getName() + "/" + m.getVersion() + "/" + m.getState()).contains("identity/1/READY");
    assertThat(fx.blocking.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build()).getModelsList())
        .extracting(m -> m.getName()).containsExactly("identity");
    assertThat(infer("identity", "int32_input", "int32_output")).isEqualTo(Wire.int32s(1, 2, 3, 4));

    fx.blocking.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
        .setModelName("identity")
        .putParameters("unload_dependents", ModelRepositoryParameter.newBuilder().setBoolParam(false).build())
        .build());
    assertThat(ready("identity")).isFalse();
    assertThat(index()).filteredOn(m -> m.getName().equals("identity"))
        .singleElement().satisfies(m -> assertThat(m.getState()).isIn("UNLOADING", "UNAVAILABLE"));
  }

  @Test
  void loadWithAConfigOverrideAndModelFiles() {
    fx.blocking.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
        .setModelName("echo")
        .putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam(ECHO_CONFIG).build())
        .putParameters("file:1/weights.bin", bytes(new byte[] {1, 2, 3}))
        .build());
    assertThat(ready("echo")).isTrue();
    assertThat(fx.blocking.modelConfig(ModelConfigRequest.newBuilder().setName("echo").build()).getConfig().getInput(0)
        .getName()).isEqualTo("INPUT0");
    assertThat(infer("echo", "INPUT0", "OUTPUT0")).isEqualTo(Wire.int32s(1, 2, 3, 4));
  }

  @Test
  void badLoadsAreRefusedWithTheReason() {
    ModelRepositoryParameter config = ModelRepositoryParameter.newBuilder().setStringParam(ECHO_CONFIG).build();
    assertStatus(() -> load("echo", Map.of("config", config, "file:../outside.bin", bytes(new byte[1]))),
        Status.Code.INVALID_ARGUMENT,
        "failed to load 'echo': file override path '../outside.bin' must be relative to the model folder, without '..'");
    assertStatus(() -> load("echo", Map.of("config", config, "file:/etc/passwd", bytes(new byte[1]))),
        Status.Code.INVALID_ARGUMENT,
        "failed to load 'echo': file override path '/etc/passwd' must be relative to the model folder, without '..'");
    assertStatus(() -> load("echo", Map.of("config", config, "file:1/../../x", bytes(new byte[1]))),
        Status.Code.INVALID_ARGUMENT,
        "failed to load 'echo': file override path '1/../../x' must be relative to the model folder, without '..'");
    assertStatus(() -> load("echo", Map.of("config", config,
            "file:1/model.bin", ModelRepositoryParameter.newBuilder().setStringParam("not bytes").build())),
        Status.Code.INVALID_ARGUMENT, "failed to load 'echo': parameter 'file:1/model.bin' must be bytes");
    assertStatus(() -> load("echo", Map.of("file:1/model.bin", bytes(new byte[1]))), Status.Code.INVALID_ARGUMENT,
        "failed to load 'echo': file overrides need a 'config' parameter with the model's config as JSON");
    assertStatus(() -> load("../evil", Map.of()), Status.Code.INVALID_ARGUMENT, "invalid model name '../evil'");
    assertStatus(() -> load("", Map.of()), Status.Code.INVALID_ARGUMENT, "invalid model name ''");
    assertStatus(() -> load("ghost", Map.of()), Status.Code.INVALID_ARGUMENT,
        "failed to load 'ghost', failed to poll from model repository: no model folder named 'ghost' in any repository");
    assertStatus(() -> load("identity", Map.of("config", ModelRepositoryParameter.getDefaultInstance())),
        Status.Code.INVALID_ARGUMENT, "load parameter 'config' has no value");
    assertStatus(() -> fx.blocking.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
            .setRepositoryName("elsewhere").setModelName("identity").build()),
        Status.Code.UNIMPLEMENTED, "'repository_name' specification is not supported");
    assertThat(index()).extracting(m -> m.getName()).doesNotContain("echo", "ghost", "../evil");
  }

  @Test
  void badUnloadsAreRefusedWithTheReason() {
    assertStatus(() -> fx.blocking.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("ghost").build()),
        Status.Code.INVALID_ARGUMENT, "failed to unload 'ghost': no model of that name is known");
    assertStatus(() -> fx.blocking.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
            .setModelName("identity")
            .putParameters("unload_dependents", ModelRepositoryParameter.newBuilder().setStringParam("yes").build())
            .build()),
        Status.Code.INVALID_ARGUMENT, "invalid value type for 'unload_dependents' parameter, expected bool_param.");
    assertStatus(() -> fx.blocking.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
            .setModelName("identity")
            .putParameters("force", ModelRepositoryParameter.newBuilder().setBoolParam(true).build())
            .build()),
        Status.Code.INVALID_ARGUMENT, "failed to unload 'identity': unknown unload parameter 'force'");
  }

  private java.util.List<RepositoryIndexResponse.ModelIndex> index() {
    return fx.blocking.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList();
  }

  private boolean ready(String name) {
    return fx.blocking.modelReady(ModelReadyRequest.newBuilder().setName(name).build()).getReady();
  }

  private void load(String name, Map<String, ModelRepositoryParameter> parameters) {
    fx.blocking.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
        .setModelName(name).putAllParameters(parameters).build());
  }

  private ByteString infer(String model, String input, String output) {
    var response = fx.blocking.modelInfer(ModelInferRequest.newBuilder()
        .setModelName(model)
        .addInputs(Wire.input(input, "INT32", model.equals("echo") ? new long[] {4} : new long[] {1, 4}))
        .addRawInputContents(Wire.int32s(1, 2, 3, 4))
        .build());
    assertThat(response.getOutputs(0).getName()).isEqualTo(output);
    return response.getRawOutputContents(0);
  }

  private static ModelRepositoryParameter bytes(byte[] content) {
    return ModelRepositoryParameter.newBuilder().setBytesParam(ByteString.copyFrom(content)).build();
  }
}
