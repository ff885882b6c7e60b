package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.grpc.proto.*;
import dev.nereid.grpc.proto.health.HealthCheckRequest;
import dev.nereid.grpc.proto.health.HealthCheckResponse;
import dev.nereid.proto.ModelConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, metadata, config, statistics and repository index RPCs against the example repository. */
class GrpcStatusRpcTest {
  private static GrpcFixture fx;

  @BeforeAll
  static void start() {
    fx = GrpcFixture.examples();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fx.close();
  }

  @Test
  void serverIsLiveReadyAndServing() {
    assertThat(fx.blocking.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(fx.blocking.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(fx.health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void healthKnowsTheServerAndItsServicesAndNothingElse() {
    for (String service : new String[] {"inference.GRPCInferenceService", "grpc.health.v1.Health"}) {
      assertThat(fx.health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
          .as(service).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
    assertStatus(() -> fx.health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()),
        Status.Code.NOT_FOUND, "unknown service 'no.such.Service'");
  }

  @Test
  void sharedMemoryStatusAnswersAsHttpDoes() {
    // HTTP answers [] for both status calls, and 404 for a region it does not know: gRPC says the same.
    assertThat(fx.blocking.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance()).getRegionsMap())
        .isEmpty();
    assertThat(fx.blocking.cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest.getDefaultInstance()).getRegionsMap())
        .isEmpty();
    assertStatus(() -> fx.blocking.cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest.newBuilder().setName("gpu0").build()),
        Status.Code.NOT_FOUND, "Unable to find cuda shared memory region: 'gpu0'");
  }

  @Test
  void anEnormousModelNameIsNotEchoedWhole() {
    String name = "m".repeat(1 << 20);
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> fx.blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName(name).build()));
    // Not RESOURCE_EXHAUSTED (a status trailer too large for the client): the server's own answer, capped.
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).startsWith("Request for unknown model: 'mmm")
        .endsWith("mmm' is not found").contains("characters elided").hasSizeLessThanOrEqualTo(1100);
    ModelInferRequest infer = ModelInferRequest.newBuilder().setModelName(name).build();
    StatusRuntimeException inferError = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> fx.blocking.modelInfer(infer));
    assertThat(inferError.getStatus().getDescription()).hasSizeLessThanOrEqualTo(1100);
  }

  @Test
  void modelReadiness() {
    assertThat(ready("identity", "")).isTrue();
    assertThat(ready("identity", "1")).isTrue();
    assertThat(ready("identity", "7")).as("a version the model does not have").isFalse();
    assertThat(ready("nope", "")).as("an unknown model is not ready, not an error").isFalse();
    assertStatus(() -> ready("identity", "one"), Status.Code.INVALID_ARGUMENT,
        "failed to get model version from specified version string 'one' (details: not an integer), "
            + "version should be an integral value > 0");
  }

  @Test
  void serverMetadataNamesTriton() {
    ServerMetadataResponse m = fx.blocking.serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertThat(m.getName()).isEqualTo("triton");
    assertThat(m.getVersion()).isNotEmpty();
    assertThat(m.getExtensionsList()).contains("model_repository", "model_configuration", "statistics");
  }

  @Test
  void modelMetadataListsTensorsWithKServeTypes() {
    ModelMetadataResponse m = fx.blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName("repeat_int32").build());
    assertThat(m.getName()).isEqualTo("repeat_int32");
    assertThat(m.getVersionsList()).containsExactly("1");
    assertThat(m.getInputsList()).extracting(t -> t.getName() + ":" + t.getDatatype() + ":" + t.getShapeList())
        .containsExactly("IN:INT32:[-1]", "DELAY:UINT32:[-1]", "WAIT:UINT32:[1]");
    assertThat(m.getOutputsList()).extracting(t -> t.getName() + ":" + t.getDatatype())
        .containsExactly("OUT:INT32", "IDX:UINT32");
    assertStatus(() -> fx.blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()),
        Status.Code.INVALID_ARGUMENT, "Request for unknown model: 'nope' is not found");
    assertStatus(() -> fx.blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName("identity").setVersion("3").build()),
        Status.Code.NOT_FOUND, "Request for unknown model: 'identity' version 3 is not found");
  }

  @Test
  void modelConfigIsTheEffectiveConfig() {
    ModelConfig config = fx.blocking.modelConfig(ModelConfigRequest.newBuilder().setName("identity").build()).getConfig();
    assertThat(config.getName()).isEqualTo("identity");
    assertThat(config.getBackend()).isEqualTo("identity");
    assertThat(config.getInputList()).extracting(i -> i.getName())
        .as("auto-complete added every <type>_input").contains("string_input", "fp16_input", "fp32_input", "bf16_input");
    assertStatus(() -> fx.blocking.modelConfig(ModelConfigRequest.newBuilder().setName("nope").build()),
        Status.Code.INVALID_ARGUMENT, "Request for unknown model: 'nope' is not found");
  }

  @Test
  void statisticsCountInferences() {
    ModelStatistics before = identityStats();
    for (int i = 0; i < 3; i++) {
      fx.blocking.modelInfer(ModelInferRequest.newBuilder()
          .setModelName("identity")
          .addInputs(Wire.input("int32_input", "INT32", 1, 1))
          .addRawInputContents(Wire.int32s(i))
          .build());
    }
    ModelStatistics after = identityStats();
    assertThat(after.getName()).isEqualTo("identity");
    assertThat(after.getVersion()).isEqualTo("1");
    assertThat(after.getInferenceStats().getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount())
        .isEqualTo(3);
    assertThat(after.getInferenceCount()).isGreaterThanOrEqualTo(3);
    assertThat(after.getLastInference()).isPositive();

    ModelStatisticsResponse all = fx.blocking.modelStatistics(ModelStatisticsRequest.getDefaultInstance());
    assertThat(all.getModelStatsList()).extracting(s -> s.getName())
        .containsExactly("all_minilm_l6_v2", "bert_tokenizer", "identity", "mean_pooling", "repeat_int32", "square_int32",
            "stable_diffusion", "text_embedding", "text_encoder", "unet", "vae_decoder");
    assertStatus(() -> fx.blocking.modelStatistics(ModelStatisticsRequest.newBuilder().setName("nope").build()),
        Status.Code.INVALID_ARGUMENT, "Request for unknown model: 'nope' is not found");
  }

  @Test
  void repositoryIndexListsEveryModel() {
    RepositoryIndexResponse index = fx.blocking.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
    assertThat(index.getModelsList()).extracting(m -> m.getName() + "/" + m.getVersion() + "/" + m.getState())
        .containsExactly("all_minilm_l6_v2/1/READY", "bert_tokenizer/1/READY", "identity/1/READY", "mean_pooling/1/READY",
            "repeat_int32/1/READY", "square_int32/1/READY", "stable_diffusion/1/READY", "text_embedding/1/READY",
            "text_encoder/1/READY", "unet/1/READY", "vae_decoder/1/READY");
    assertStatus(() -> fx.blocking.repositoryIndex(RepositoryIndexRequest.newBuilder().setRepositoryName("other").build()),
        Status.Code.UNIMPLEMENTED, "'repository_name' specification is not supported");
  }

  @Test
  void loadAndUnloadNeedExplicitMode() {
    assertStatus(() -> fx.blocking.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("identity").build()),
        Status.Code.UNIMPLEMENTED, "explicit model load / unload is not allowed in model control mode NONE; it needs EXPLICIT");
    assertStatus(() -> fx.blocking.repositoryModelUnload(
        RepositoryModelUnloadRequest.newBuilder().setModelName("identity").build()),
        Status.Code.UNIMPLEMENTED, "explicit model load / unload is not allowed in model control mode NONE; it needs EXPLICIT");
  }

  @Test
  void traceSettingsAnswerWithTritonsDefaults() {
    TraceSettingResponse r = fx.blocking.traceSetting(TraceSettingRequest.getDefaultInstance());
    assertThat(r.getSettingsOrThrow("trace_level").getValueList()).containsExactly("OFF");
    assertThat(r.getSettingsOrThrow("trace_rate").getValueList()).containsExactly("1000");
    assertThat(r.getSettingsOrThrow("trace_mode").getValueList()).containsExactly("triton");
  }

  private static boolean ready(String name, String version) {
    return fx.blocking.modelReady(ModelReadyRequest.newBuilder().setName(name).setVersion(version).build()).getReady();
  }

  private static ModelStatistics identityStats() {
    ModelStatisticsResponse r = fx.blocking.modelStatistics(
        ModelStatisticsRequest.newBuilder().setName("identity").setVersion("1").build());
    assertThat(r.getModelStatsCount()).isEqualTo(1);
    return r.getModelStats(0);
  }

  static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }
}
