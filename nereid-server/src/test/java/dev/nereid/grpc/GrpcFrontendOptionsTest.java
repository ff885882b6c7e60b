package dev.nereid.grpc;

import static dev.nereid.grpc.GrpcStatusRpcTest.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.NereidException;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.ModelConfigRequest;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelStreamInferResponse;
import dev.nereid.grpc.proto.RepositoryIndexRequest;
import dev.nereid.grpc.proto.ServerLiveRequest;
import dev.nereid.grpc.proto.health.HealthCheckRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What GrpcFrontend.Options control: restricted APIs, message size limit, binding, and draining on close. */
class GrpcFrontendOptionsTest {
  private static final ModelInferRequest SMALL = ModelInferRequest.newBuilder()
      .setModelName("identity")
      .addInputs(Wire.input("int32_input", "INT32", 1, 2))
      .addRawInputContents(Wire.int32s(1, 2))
      .build();

  @Test
  void restrictedApisNeedTheirHeader() throws InterruptedException {
    try (GrpcFixture fx = GrpcFixture.start(ServerOptions.of(GrpcFixture.EXAMPLES), o -> o
        .withRestrictedApi(List.of("model-repository", "model-config"), "admin-key", "secret")
        .withRestrictedApi(List.of("inference"), "infer-key", "letmein"))) {
      String admin = "This protocol is restricted, expecting header 'triton-grpc-protocol-admin-key'";
      String infer = "This protocol is restricted, expecting header 'triton-grpc-protocol-infer-key'";

      assertThat(fx.blocking.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).as("health is open").isTrue();
      fx.health.check(HealthCheckRequest.getDefaultInstance());

      assertStatus(() -> fx.blocking.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()), Status.Code.UNAVAILABLE, admin);
      assertStatus(() -> fx.blocking.withInterceptors(header("triton-grpc-protocol-admin-key", "wrong"))
          .repositoryIndex(RepositoryIndexRequest.getDefaultInstance()), Status.Code.UNAVAILABLE, admin);
      assertStatus(() -> fx.blocking.withInterceptors(header("admin-key", "secret"))
          .repositoryIndex(RepositoryIndexRequest.getDefaultInstance()), Status.Code.UNAVAILABLE, admin);
      assertThat(fx.blocking.withInterceptors(header("triton-grpc-protocol-admin-key", "secret"))
          .repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsCount()).isEqualTo(11);

      assertStatus(() -> fx.blocking.modelConfig(ModelConfigRequest.newBuilder().setName("identity").build()),
          Status.Code.UNAVAILABLE, admin);
      assertThat(fx.blocking.withInterceptors(header("triton-grpc-protocol-admin-key", "secret"))
          .modelConfig(ModelConfigRequest.newBuilder().setName("identity").build()).getConfig().getName())
          .isEqualTo("identity");

      assertStatus(() -> fx.blocking.modelInfer(SMALL), Status.Code.UNAVAILABLE, infer);
      assertStatus(() -> fx.blocking.withInterceptors(header("triton-grpc-protocol-admin-key", "secret")).modelInfer(SMALL),
          Status.Code.UNAVAILABLE, infer);
      assertThat(fx.blocking.withInterceptors(header("triton-grpc-protocol-infer-key", "letmein")).modelInfer(SMALL)
          .getRawOutputContents(0)).isEqualTo(Wire.int32s(1, 2));

      GrpcStreamTest.Collector stream = new GrpcStreamTest.Collector();
      StreamObserver<ModelInferRequest> requests = fx.async.modelStreamInfer(stream);
      requests.onNext(SMALL);
      requests.onCompleted();
      stream.awaitEnd();
      assertThat(stream.responses).isEmpty();
      assertThat(stream.error).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).isEqualTo(infer);
      });
    }
  }

  @Test
  void restrictionsAreValidated() {
    GrpcFrontend.Options defaults = GrpcFrontend.Options.defaults();
    assertThatThrownBy(() -> defaults.withRestrictedApi(List.of("inferences"), "k", "v"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("unknown restricted API category 'inferences'; expected one of [health, inference,");
    assertThatThrownBy(() -> defaults.withRestrictedApi(List.of("inference"), "k", "v")
        .withRestrictedApi(List.of("inference"), "k2", "v"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("restricted API category 'inference' is given more than once");
    assertThatThrownBy(() -> defaults.withRestrictedApi(List.of("inference"), "bad key!", "v"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("invalid restricted API header key 'bad key!'");
    assertThatThrownBy(() -> defaults.withPort(70000)).isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("gRPC port must be between 0 and 65535, got 70000");
  }

  @Test
  void messagesOverTheLimitAreRefusedAndTheServerGoesOn() throws InterruptedException {
    try (GrpcFixture fx = GrpcFixture.start(ServerOptions.of(GrpcFixture.EXAMPLES),
        o -> o.withMaxInboundMessageSize(1024 * 1024))) {
      int elements = 512 * 1024;
      ModelInferRequest big = ModelInferRequest.newBuilder()
          .setModelName("identity")
          .addInputs(Wire.input("int32_input", "INT32", 1, elements))
          .addRawInputContents(com.google.protobuf.ByteString.copyFrom(ByteBuffer.allocate(elements * 4)))
          .build();
      assertThatThrownBy(() -> fx.blocking.modelInfer(big)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
      assertThat(fx.blocking.modelInfer(SMALL).getRawOutputContents(0)).isEqualTo(Wire.int32s(1, 2));
    }
  }

  @Test
  void aPortInUseIsReported() throws InterruptedException {
    try (GrpcFixture fx = GrpcFixture.examples()) {
      assertThatThrownBy(() -> GrpcFrontend.start(fx.server, GrpcFrontend.Options.defaults().withPort(fx.frontend.port())))
          .isInstanceOf(NereidException.Unavailable.class)
          .hasMessageStartingWith("cannot start the gRPC front end on 127.0.0.1:" + fx.frontend.port());
    }
  }

  @Test
  void closeLetsStreamsInFlightFinish() throws Exception {
    try (GrpcFixture fx = GrpcFixture.examples()) {
      GrpcStreamTest.Collector c = new GrpcStreamTest.Collector();
      StreamObserver<ModelInferRequest> requests = fx.async.modelStreamInfer(c);
      requests.onNext(GrpcStreamTest.repeat("drain", new int[] {1, 2, 3}, new int[] {0, 150, 150}));
      c.awaitResponses(1);
      requests.onCompleted();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(fx.frontend::close);
      c.awaitEnd();
      closing.get();
      assertThat(c.error).isNull();
      assertThat(c.responses).extracting(ModelStreamInferResponse::getErrorMessage).containsExactly("", "", "");
      assertThatThrownBy(() -> fx.blocking.serverLive(ServerLiveRequest.getDefaultInstance()))
          .as("a closed front end takes no calls")
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  private static io.grpc.ClientInterceptor header(String key, String value) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
    return MetadataUtils.newAttachHeadersInterceptor(m);
  }
}
