package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.http.HeldBackend;
import io.grpc.Context;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large ModelInfer requests are read into pooled memory that is reused: each answer carries its own
 * request's bytes, and the memory goes back only once the server no longer reads it, which for a
 * cancelled call is when the model finishes, not when the client gives up.
 */
class GrpcRequestMemoryTest {
  private static final int MIB = 1 << 20;
  /** Holds each request until the test lets it go (HeldBackend): provably still running, on any machine. */
  private static final String HELD_CONFIG = """
      backend: "held"
      max_batch_size: 0
      input [ { name: "INPUT0", data_type: TYPE_FP32, dims: [ -1 ] } ]
      output [ { name: "OUTPUT0", data_type: TYPE_FP32, dims: [ -1 ] } ]
      """;

  @TempDir static Path repository;
  private static GrpcFixture fx;

  @BeforeAll
  static void start() throws IOException {
    Files.createDirectories(repository.resolve("held_identity/1"));
    Files.writeString(repository.resolve("held_identity/config.pbtxt"), HELD_CONFIG);
    fx = GrpcFixture.start(ServerOptions.builder()
        .modelRepositories(List.of(GrpcFixture.EXAMPLES, repository))
        .build(), o -> o);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fx.close();
  }

  @Test
  void reusedMemoryNeverMixesOneRequestsBytesIntoAnothersAnswer() {
    for (int round = 0; round < 4; round++) {
      ByteString raw = pattern(4 * MIB, round);
      ModelInferResponse response = fx.blocking.modelInfer(identity("fp32_input", raw));
      assertThat(response.getRawOutputContents(0).equals(raw)).as("round %d came back byte for byte", round).isTrue();
      awaitMemoryBack();
    }
  }

  @Test
  void theConnectionsReuseTheirBuffersFromOneLargeCallToTheNext() {
    ByteString raw = pattern(8 * MIB, 3);
    fx.blocking.modelInfer(identity("fp32_input", raw));
    awaitMemoryBack();
    long afterFirst = fx.frontend.transportMemoryAllocated();
    assertThat(afterFirst).as("a large call's reads and frames come from recyclable memory").isGreaterThan(8L * MIB);
    for (int round = 0; round < 3; round++) {
      assertThat(fx.blocking.modelInfer(identity("fp32_input", raw)).getRawOutputContents(0).equals(raw)).isTrue();
      awaitMemoryBack();
    }
    // Read sizes vary a little from call to call; a fresh set per call would be 16 MiB or more each.
    assertThat(fx.frontend.transportMemoryAllocated() - afterFirst).as("fresh memory for three more calls")
        .isLessThan(4L * MIB);
  }

  @Test
  void aClientWithComposingReadsAndRecycledBuffersGetsTheSameAnswers() throws InterruptedException {
    ManagedChannel channel = PlaintextTransport.onChannel(NettyChannelBuilder.forAddress("127.0.0.1", fx.frontend.port()))
        .maxInboundMessageSize(Integer.MAX_VALUE).build();
    try {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
      for (int round = 0; round < 3; round++) {
        ByteString large = pattern(6 * MIB, 20 + round);
        assertThat(stub.modelInfer(identity("fp32_input", large)).getRawOutputContents(0).equals(large)).isTrue();
        ByteString small = pattern(64, 30 + round);
        assertThat(stub.modelInfer(identity("fp32_input", small)).getRawOutputContents(0).equals(small)).isTrue();
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    awaitMemoryBack();
  }

  @Test
  void aLargeRequestIsReadTheSameWhateverTheOrderOfItsFields() throws Exception {
    ByteString raw = pattern(2 * MIB, 12);
    ModelInferRequest request = identity("fp32_input", raw);
    // Raw contents first, then the rest, then an unknown group that protobuf skips: still one valid message.
    ByteString reordered = request.toBuilder().clearModelName().clearInputs().build().toByteString()
        .concat(request.toBuilder().clearRawInputContents().build().toByteString())
        .concat(ByteString.copyFrom(new byte[] {(byte) 0xcb, 0x01, (byte) 0xcc, 0x01})); // group 25, empty
    MethodDescriptor<InputStream, ModelInferResponse> method = GRPCInferenceServiceGrpc.getModelInferMethod()
        .toBuilder(new MethodDescriptor.Marshaller<InputStream>() {
          @Override
          public InputStream stream(InputStream value) {
            return value;
          }

          @Override
          public InputStream parse(InputStream stream) {
            return stream;
          }
        }, GRPCInferenceServiceGrpc.getModelInferMethod().getResponseMarshaller()).build();
    ModelInferResponse response = ClientCalls.blockingUnaryCall(fx.channel, method, CallOptions.DEFAULT, reordered.newInput());
    assertThat(response.getRawOutputContents(0).equals(raw)).isTrue();
    awaitMemoryBack();
  }

  @Test
  void concurrentLargeRequestsEachGetTheirOwnBytesBack() throws Exception {
    GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub stub = GRPCInferenceServiceGrpc.newFutureStub(fx.channel);
    List<ByteString> sent = new ArrayList<>();
    List<CompletableFuture<ModelInferResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ByteString raw = pattern(2 * MIB, 100 + i);
      sent.add(raw);
      answers.add(CompletableFuture.supplyAsync(() -> {
        try {
          return stub.modelInfer(identity("fp32_input", raw)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (int i = 0; i < 8; i++) {
      assertThat(answers.get(i).get(60, TimeUnit.SECONDS).getRawOutputContents(0).equals(sent.get(i)))
          .as("request %d", i).isTrue();
    }
    awaitMemoryBack();
  }

  @Test
  void aCancelledCallKeepsItsMemoryUntilTheModelHasFinishedWithIt() throws Exception {
    ByteString raw = pattern(2 * MIB, 7);
    HeldBackend.reset();
    // Cancelled once the model holds the request, not by a short deadline: on a loaded machine a
    // deadline can pass before the request arrives, or the model can finish before the check.
    Context.CancellableContext context = Context.current().withCancellation();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    context.run(() -> fx.async.modelInfer(identity("held_identity", "INPUT0", raw), new StreamObserver<>() {
      @Override
      public void onNext(ModelInferResponse value) {}

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    }));
    try {
      HeldBackend.awaitStarted();
      context.cancel(null);
      assertThat(ended.get(60, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
      // The call is gone, the model still has the input: the memory is still lent.
      assertThat(fx.frontend.requestMemoryInUse()).as("held while the model still runs").isGreaterThanOrEqualTo(2L * MIB);
    } finally {
      HeldBackend.release();
    }
    awaitMemoryBack();
    ByteString next = pattern(2 * MIB, 8);
    assertThat(fx.blocking.modelInfer(identity("fp32_input", next)).getRawOutputContents(0).equals(next)).isTrue();
  }

  @Test
  void refusedLargeRequestsGiveTheirMemoryBack() {
    ByteString raw = pattern(2 * MIB, 9);
    assertThatThrownBy(() -> fx.blocking.modelInfer(identity("no_such_model", "INPUT0", raw)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("unknown model").contains("no_such_model");
        });
    assertThatThrownBy(() -> fx.blocking.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("fp32_input", "INT32", 1, raw.size() / 4))
        .addRawInputContents(raw)
        .build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("fp32_input").contains("INT32").contains("FP32");
        });
    awaitMemoryBack();
  }

  @Test
  void aCompressedLargeRequestIsReadOnTheHeapAndStillAnswered() {
    ByteString raw = pattern(2 * MIB, 11);
    ModelInferResponse response = fx.blocking.withCompression("gzip").modelInfer(identity("fp32_input", raw));
    assertThat(response.getRawOutputContents(0).equals(raw)).isTrue();
    assertThat(fx.frontend.requestMemoryInUse()).isZero();
  }

  private static ModelInferRequest identity(String input, ByteString raw) {
    return identity("identity", input, raw);
  }

  private static ModelInferRequest identity(String model, String input, ByteString raw) {
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .addInputs(Wire.input(input, "FP32", model.equals("identity") ? new long[] {1, raw.size() / 4} : new long[] {raw.size() / 4}))
        .addRawInputContents(raw)
        .build();
  }

  /** {@code bytes} of little-endian floats that differ from one {@code seed} to the next. */
  private static ByteString pattern(int bytes, int seed) {
    ByteBuffer data = Wire.le(bytes);
    for (int i = 0; i < bytes / 4; i++) data.putFloat(seed * 1e6f + i);
    return ByteString.copyFrom(data.flip());
  }

  /** The front end frees a request's memory just after the answer is sent: wait for it (60 s at most, for a loaded machine). */
  private static void awaitMemoryBack() {
    await(() -> fx.frontend.requestMemoryInUse() == 0, "pooled request memory to come back, "
        + fx.frontend.requestMemoryInUse() + " bytes still out");
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      LockSupport.parkNanos(1_000_000);
    }
  }
}
