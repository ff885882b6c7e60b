package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.grpc.proto.ModelStreamInferResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ModelStreamInfer with the example decoupled models (repeat_int32, square_int32) and a plain one. */
class GrpcStreamTest {
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
  void repeatSendsOneResponsePerElementInOrder() throws InterruptedException {
    Collector c = new Collector();
    StreamObserver<ModelInferRequest> requests = fx.async.modelStreamInfer(c);
    requests.onNext(repeat("r1", new int[] {4, 2, 0, 1}, new int[] {1, 2, 3, 4}));
    requests.onCompleted();
    c.awaitEnd();

    assertThat(c.error).isNull();
    assertThat(c.responses).hasSize(4).allSatisfy(r -> {
      assertThat(r.getErrorMessage()).isEmpty();
      assertThat(r.getInferResponse().getId()).isEqualTo("r1");
      assertThat(r.getInferResponse().getModelName()).isEqualTo("repeat_int32");
      assertThat(r.getInferResponse().getOutputsList()).extracting(o -> o.getName()).containsExactly("OUT", "IDX");
    });
    assertThat(c.responses).extracting(r -> int32(r.getInferResponse(), "OUT")).containsExactly(4, 2, 0, 1);
    assertThat(c.responses).extracting(r -> int32(r.getInferResponse(), "IDX")).containsExactly(0, 1, 2, 3);
  }

  @Test
  void severalRequestsShareOneStream() throws InterruptedException {
    Collector c = new Collector();
    StreamObserver<ModelInferRequest> requests = fx.async.modelStreamInfer(c);
    requests.onNext(square("s2", 2));
    requests.onNext(square("s3", 3));
    requests.onNext(square("s0", 0));
    requests.onCompleted();
    c.awaitEnd();

    assertThat(c.error).isNull();
    assertThat(c.responses).hasSize(5);
    assertThat(c.responses.stream().filter(r -> r.getInferResponse().getId().equals("s2")))
        .hasSize(2).allSatisfy(r -> assertThat(int32(r.getInferResponse(), "OUT")).isEqualTo(2));
    assertThat(c.responses.stream().filter(r -> r.getInferResponse().getId().equals("s3")))
        .hasSize(3).allSatisfy(r -> assertThat(int32(r.getInferResponse(), "OUT")).isEqualTo(3));
  }

  @Test
  void theEmptyFinalResponseComesWhenAskedFor() throws InterruptedException {
    Collector c = new Collector();
    StreamObserver<ModelInferRequest> requests = fx.async.modelStreamInfer(c);
    requests.onNext(square("f", 2).toBuilder()
        .putParameters("triton_enable_empty_final_response", Wire.bool(true))
        .build());
    requests.onCompleted();
    c.awaitEnd();

    assertThat(c.error).isNull();
    assertThat(c.responses).hasSize(3);
    for (int i = 0; i < 3; i++) {
      ModelInferResponse r = c.responses.get(i).getInferResponse();
      boolean last = i == 2;
      assertThat(r.getParametersOrThrow("triton_final_response").getBoolParam()).isEqualTo(last);
      assertThat(r.getOutputsCount()).isEqualTo(last ? 0 : 1);
      assertThat(r.getId()).isEqualTo("f");
    }
  }

  @Test
  void failedRequestsAreAnsweredInErrorMessageAndTheStreamGoesOn() throws InterruptedException {
    Collector c = new Collector();
    StreamObserver<ModelInferRequest> requests = fx.async.modelStreamInfer(c);
    requests.onNext(ModelInferRequest.newBuilder().setModelName("nope").setId("e1").build());
    c.awaitResponses(1);
    requests.onNext(repeat("e2", new int[] {1, 2}, new int[] {0}));
    c.awaitResponses(2);
    requests.onNext(square("ok", 1));
    requests.onCompleted();
    c.awaitEnd();

    assertThat(c.error).as("per-request errors do not end the stream").isNull();
    assertThat(c.responses).hasSize(3);
    assertThat(c.responses.get(0).getErrorMessage()).isEqualTo("Request for unknown model: 'nope' is not found");
    assertThat(c.responses.get(0).getInferResponse().getId()).isEqualTo("e1");
    assertThat(c.responses.get(1).getErrorMessage()).isEqualTo("repeat: DELAY has 1 elements but IN has 2");
    assertThat(c.responses.get(1).getInferResponse().getId()).isEqualTo("e2");
    assertThat(c.responses.get(2).getErrorMessage()).isEmpty();
    assertThat(int32(c.responses.get(2).getInferResponse(), "OUT")).isEqualTo(1);
  }

  @Test
  void aModelThatIsNotDecoupledAnswersOncePerRequest() throws InterruptedException {
    Collector c = new Collector();
    StreamObserver<ModelInferRequest> requests = fx.async.modelStreamInfer(c);
    for (int i = 0; i < 3; i++) {
      requests.onNext(ModelInferRequest.newBuilder()
          .setModelName("identity")
          .setId("i" + i)
          .addInputs(Wire.input("int32_input", "INT32", 1, 1))
          .addRawInputContents(Wire.int32s(i))
          .build());
    }
    requests.onCompleted();
    c.awaitEnd();

    assertThat(c.error).isNull();
    assertThat(c.responses).hasSize(3);
    assertThat(c.responses).extracting(r -> r.getInferResponse().getId()).containsExactlyInAnyOrder("i0", "i1", "i2");
    for (ModelStreamInferResponse r : c.responses) {
      int i = Integer.parseInt(r.getInferResponse().getId().substring(1));
      assertThat(r.getInferResponse().getRawOutputContents(0)).isEqualTo(Wire.int32s(i));
    }
  }

  @Test
  void aClientThatCancelsLeavesTheServerServing() throws InterruptedException {
    Collector c = new Collector();
    ClientCallStreamObserver<ModelInferRequest> requests =
        (ClientCallStreamObserver<ModelInferRequest>) fx.async.modelStreamInfer(c);
    int[] in = new int[50];
    int[] delay = new int[50];
    java.util.Arrays.fill(delay, 20);
    requests.onNext(repeat("long", in, delay));
    c.awaitResponses(1);
    requests.cancel("test cancels", null);
    c.awaitEnd();
    assertThat(c.responses.size()).isLessThan(50);

    Collector after = new Collector();
    StreamObserver<ModelInferRequest> again = fx.async.modelStreamInfer(after);
    again.onNext(square("after", 2));
    again.onCompleted();
    after.awaitEnd();
    assertThat(after.error).isNull();
    assertThat(after.responses).hasSize(2);
  }

  static ModelInferRequest repeat(String id, int[] in, int[] delay) {
    return ModelInferRequest.newBuilder()
        .setModelName("repeat_int32")
        .setId(id)
        .addInputs(Wire.input("IN", "INT32", in.length))
        .addInputs(Wire.input("DELAY", "UINT32", delay.length))
        .addInputs(Wire.input("WAIT", "UINT32", 1))
        .addRawInputContents(Wire.int32s(in))
        .addRawInputContents(Wire.int32s(delay))
        .addRawInputContents(Wire.int32s(0))
        .build();
  }

  static ModelInferRequest square(String id, int n) {
    return ModelInferRequest.newBuilder()
        .setModelName("square_int32")
        .setId(id)
        .addInputs(Wire.input("IN", "INT32", 1))
        .addRawInputContents(Wire.int32s(n))
        .build();
  }

  static int int32(ModelInferResponse r, String output) {
    for (int i = 0; i < r.getOutputsCount(); i++) {
      if (r.getOutputs(i).getName().equals(output)) {
        ByteString raw = r.getRawOutputContents(i);
        assertThat(raw.size()).isEqualTo(4);
        return ByteBuffer.wrap(raw.toByteArray()).order(ByteOrder.LITTLE_ENDIAN).getInt();
      }
    }
    throw new AssertionError("no output " + output + " in " + r);
  }

  /** Collects a stream's responses and how it ended. */
  static final class Collector implements StreamObserver<ModelStreamInferResponse> {
    final List<ModelStreamInferResponse> responses = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    volatile Throwable error;

    @Override
    public void onNext(ModelStreamInferResponse value) {
      responses.add(value);
      arrivals.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      ended.countDown();
    }

    void awaitResponses(int count) throws InterruptedException {
      while (responses.size() < count) {
        assertThat(arrivals.poll(30, TimeUnit.SECONDS)).as("response " + (responses.size() + 1) + " within 30 s").isNotNull();
      }
    }

    void awaitEnd() throws InterruptedException {
      assertThat(ended.await(30, TimeUnit.SECONDS)).as("stream ended within 30 s").isTrue();
    }
  }
}
