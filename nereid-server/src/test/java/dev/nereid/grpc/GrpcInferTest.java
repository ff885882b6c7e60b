package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.nereid.DataType;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.InferTensorContents;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** ModelInfer through the example identity model, which returns each {@code <type>_input} as {@code <type>_output}. */
class GrpcInferTest {
  private static final long[] SHAPE = {2, 3};
  private static GrpcFixture fx;

  @BeforeAll
  static void start() {
    fx = GrpcFixture.examples();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fx.close();
  }

  /** One data type: the typed contents a client sends (null for FP16/BF16) and the raw bytes they mean. */
  record Case(DataType type, InferTensorContents typed, ByteString raw) {
    @Override
    public String toString() {
      return type.name();
    }
  }

  static Stream<Case> everyType() {
    return Arrays.stream(DataType.values()).map(GrpcInferTest::sample);
  }

  static Stream<Case> typedTypes() {
    return everyType().filter(c -> c.typed() != null);
  }

  @ParameterizedTest
  @MethodSource("typedTypes")
  void typedContentsComeBackAsRawOutput(Case c) {
    ModelInferResponse response = fx.blocking.modelInfer(request(c.type(), "typed-" + c.type(), c.typed(), null));
    assertOutput(response, c, "typed-" + c.type());
  }

  @ParameterizedTest
  @MethodSource("everyType")
  void rawContentsComeBackAsRawOutput(Case c) {
    ModelInferResponse response = fx.blocking.modelInfer(request(c.type(), "raw-" + c.type(), null, c.raw()));
    assertOutput(response, c, "raw-" + c.type());
  }

  @Test
  void onlyTheRequestedOutputsAreReturned() {
    ModelInferRequest request = ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("fp32_input", "FP32", 1, 2))
        .addInputs(Wire.input("int32_input", "INT32", 1, 3))
        .addRawInputContents(Wire.fp32s(1.5f, -2f))
        .addRawInputContents(Wire.int32s(7, 8, 9))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("int32_output"))
        .build();
    ModelInferResponse response = fx.blocking.modelInfer(request);
    assertThat(response.getOutputsList()).extracting(o -> o.getName()).containsExactly("int32_output");
    assertThat(response.getRawOutputContents(0)).isEqualTo(Wire.int32s(7, 8, 9));

    ModelInferResponse both = fx.blocking.modelInfer(request.toBuilder().clearOutputs().build());
    assertThat(both.getOutputsList()).extracting(o -> o.getName()).containsExactlyInAnyOrder("fp32_output", "int32_output");
    assertThat(both.getRawOutputContentsCount()).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      ByteString expected = both.getOutputs(i).getName().equals("fp32_output") ? Wire.fp32s(1.5f, -2f) : Wire.int32s(7, 8, 9);
      assertThat(both.getRawOutputContents(i)).as("raw_output_contents follows the order of outputs").isEqualTo(expected);
    }
  }

  @Test
  void requestParametersAreAcceptedAndTheIdIsEchoed() {
    ModelInferResponse response = fx.blocking.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("identity")
        .setModelVersion("1")
        .setId("req-42")
        .putParameters("priority", Wire.int64(1))
        .putParameters("timeout", Wire.int64(5_000_000))
        .putParameters("my_flag", Wire.bool(true))
        .putParameters("my_text", Wire.string("hello"))
        .putParameters("my_ratio", dev.nereid.grpc.proto.InferParameter.newBuilder().setDoubleParam(0.5).build())
        .putParameters("sequence_id", Wire.string("session-7"))
        .putParameters("sequence_start", Wire.bool(true))
        .putParameters("sequence_end", Wire.bool(false))
        .addInputs(Wire.input("int32_input", "INT32", 1, 1))
        .addRawInputContents(Wire.int32s(5))
        .build());
    assertThat(response.getId()).isEqualTo("req-42");
    assertThat(response.getModelVersion()).isEqualTo("1");
    assertThat(response.getRawOutputContents(0)).isEqualTo(Wire.int32s(5));
  }

  @Test
  void aHundredMebibyteRawTensorRoundTrips() {
    int elements = 100 * 1024 * 1024 / 4;
    ByteBuffer data = Wire.le(elements * 4);
    for (int i = 0; i < elements; i++) data.putFloat(i * 0.5f);
    ByteString raw = ByteString.copyFrom(data.flip());
    ModelInferResponse response = fx.blocking.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("fp32_input", "FP32", 1, elements))
        .addRawInputContents(raw)
        .build());
    assertThat(response.getOutputs(0).getShapeList()).containsExactly(1L, (long) elements);
    assertThat(response.getRawOutputContents(0).size()).isEqualTo(100 * 1024 * 1024);
    assertThat(response.getRawOutputContents(0).equals(raw)).as("100 MiB came back byte for byte").isTrue();
  }

  @Test
  void gzipCompressedRequestsAreAccepted() {
    int[] values = new int[64 * 1024];
    Arrays.fill(values, 42);
    ModelInferResponse response = fx.blocking.withCompression("gzip").modelInfer(ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("int32_input", "INT32", 1, values.length))
        .addRawInputContents(Wire.int32s(values))
        .build());
    assertThat(response.getRawOutputContents(0)).isEqualTo(Wire.int32s(values));
  }

  @Test
  void deflateCompressedRequestsAreAccepted() throws InterruptedException {
    // Triton's clients' -C deflate: zlib-wrapped deflate, which grpc-java's client does not offer either.
    io.grpc.CompressorRegistry compressors = io.grpc.CompressorRegistry.newEmptyInstance();
    compressors.register(new io.grpc.Codec() {
      @Override
      public String getMessageEncoding() {
        return "deflate";
      }

      @Override
      public java.io.OutputStream compress(java.io.OutputStream os) {
        return new java.util.zip.DeflaterOutputStream(os);
      }

      @Override
      public java.io.InputStream decompress(java.io.InputStream is) {
        return new java.util.zip.InflaterInputStream(is);
      }
    });
    io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forAddress("127.0.0.1", fx.frontend.port()).usePlaintext().compressorRegistry(compressors).build();
    try {
      int[] values = new int[64 * 1024];
      Arrays.fill(values, 7);
      // Without a deflate decompressor the server refuses the call (UNIMPLEMENTED).
      ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(channel).withCompression("deflate")
          .modelInfer(ModelInferRequest.newBuilder()
              .setModelName("identity")
              .addInputs(Wire.input("int32_input", "INT32", 1, values.length))
              .addRawInputContents(Wire.int32s(values))
              .build());
      assertThat(response.getRawOutputContents(0)).isEqualTo(Wire.int32s(values));
    } finally {
      channel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void responsesAreGzippedWhenTheFrontEndIsAskedTo() throws InterruptedException {
    try (GrpcFixture gz = GrpcFixture.start(dev.nereid.ServerOptions.of(GrpcFixture.EXAMPLES),
        o -> o.withCompressResponses(true))) {
      AtomicReference<String> encoding = new AtomicReference<>();
      ModelInferResponse response = gz.blocking.withInterceptors(responseEncoding(encoding))
          .modelInfer(request(DataType.INT32, "gz", null, Wire.int32s(1, 2, 3, 4, 5, 6)));
      assertThat(encoding.get()).isEqualTo("gzip");
      assertThat(response.getRawOutputContents(0)).isEqualTo(Wire.int32s(1, 2, 3, 4, 5, 6));

      AtomicReference<String> plain = new AtomicReference<>();
      fx.blocking.withInterceptors(responseEncoding(plain))
          .modelInfer(request(DataType.INT32, "plain", null, Wire.int32s(1, 2, 3, 4, 5, 6)));
      assertThat(plain.get()).as("the default front end does not compress").isIn(null, "identity");
    }
  }

  @Test
  void decoupledModelsAreRefusedOnModelInfer() {
    assertThatThrownBy(() -> fx.blocking.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("square_int32")
        .addInputs(Wire.input("IN", "INT32", 1))
        .addRawInputContents(Wire.int32s(3))
        .build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("ModelInfer RPC doesn't support models with decoupled transaction policy");
        });
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FP16", "BF16"})
  void halfPrecisionHasNoTypedForm(DataType type) {
    assertThatThrownBy(() -> fx.blocking.modelInfer(request(type, "x",
        InferTensorContents.newBuilder().addAllFp32Contents(java.util.List.of(1f, 2f, 3f, 4f, 5f, 6f)).build(), null)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo("unexpected explicit tensor data for input tensor '"
              + prefix(type) + "_input' for model 'identity' of type 'FP32', expected datatype '" + type + "'");
        });
  }

  private static void assertOutput(ModelInferResponse response, Case c, String id) {
    assertThat(response.getModelName()).isEqualTo("identity");
    assertThat(response.getModelVersion()).isEqualTo("1");
    assertThat(response.getId()).isEqualTo(id);
    assertThat(response.getOutputsCount()).isEqualTo(1);
    ModelInferResponse.InferOutputTensor out = response.getOutputs(0);
    assertThat(out.getName()).isEqualTo(prefix(c.type()) + "_output");
    assertThat(out.getDatatype()).isEqualTo(c.type().name());
    assertThat(out.getShapeList()).containsExactly(SHAPE[0], SHAPE[1]);
    assertThat(out.hasContents()).as("outputs travel only as raw bytes").isFalse();
    assertThat(response.getRawOutputContentsList()).containsExactly(c.raw());
  }

  private static ModelInferRequest request(DataType type, String id, InferTensorContents typed, ByteString raw) {
    ModelInferRequest.InferInputTensor.Builder input = Wire.input(prefix(type) + "_input", type.name(), SHAPE);
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("identity").setId(id);
    if (typed != null) input.setContents(typed);
    b.addInputs(input);
    if (raw != null) b.addRawInputContents(raw);
    return b.build();
  }

  static String prefix(DataType type) {
    return type == DataType.BYTES ? "string" : type.name().toLowerCase(Locale.ROOT);
  }

  private static ClientInterceptor responseEncoding(AtomicReference<String> encoding) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata received) {
                encoding.set(received.get(Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER)));
                super.onHeaders(received);
              }
            }, headers);
          }
        };
      }
    };
  }

  /** Six elements of each type, with the edge values of its range, typed and as little-endian bytes. */
  private static Case sample(DataType type) {
    InferTensorContents.Builder t = InferTensorContents.newBuilder();
    ByteBuffer raw = Wire.le(64);
    switch (type) {
      case BOOL -> {
        boolean[] v = {true, false, true, true, false, false};
        for (boolean x : v) { t.addBoolContents(x); raw.put((byte) (x ? 1 : 0)); }
      }
      case UINT8 -> {
        int[] v = {0, 1, 127, 128, 200, 255};
        for (int x : v) { t.addUintContents(x); raw.put((byte) x); }
      }
      case UINT16 -> {
        int[] v = {0, 1, 255, 256, 40000, 65535};
        for (int x : v) { t.addUintContents(x); raw.putShort((short) x); }
      }
      case UINT32 -> {
        int[] v = {0, 1, 65536, Integer.MAX_VALUE, 0x80000000, 0xFFFFFFFF};
        for (int x : v) { t.addUintContents(x); raw.putInt(x); }
      }
      case UINT64 -> {
        long[] v = {0, 1, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1L};
        for (long x : v) { t.addUint64Contents(x); raw.putLong(x); }
      }
      case INT8 -> {
        int[] v = {-128, -1, 0, 1, 100, 127};
        for (int x : v) { t.addIntContents(x); raw.put((byte) x); }
      }
      case INT16 -> {
        int[] v = {-32768, -1, 0, 1, 1000, 32767};
        for (int x : v) { t.addIntContents(x); raw.putShort((short) x); }
      }
      case INT32 -> {
        int[] v = {Integer.MIN_VALUE, -1, 0, 1, 123456, Integer.MAX_VALUE};
        for (int x : v) { t.addIntContents(x); raw.putInt(x); }
      }
      case INT64 -> {
        long[] v = {Long.MIN_VALUE, -1, 0, 1, 1L << 50, Long.MAX_VALUE};
        for (long x : v) { t.addInt64Contents(x); raw.putLong(x); }
      }
      case FP32 -> {
        float[] v = {-1.5f, 0f, 3.25f, Float.MAX_VALUE, Float.MIN_VALUE, Float.NEGATIVE_INFINITY};
        for (float x : v) { t.addFp32Contents(x); raw.putFloat(x); }
      }
      case FP64 -> {
        double[] v = {-1.5, 0, Math.PI, Double.MAX_VALUE, Double.MIN_VALUE, Double.POSITIVE_INFINITY};
        for (double x : v) { t.addFp64Contents(x); raw.putDouble(x); }
      }
      case FP16 -> {
        float[] v = {-1.5f, 0f, 0.5f, 1024f, 65504f, -2f};
        for (float x : v) raw.putShort(Float.floatToFloat16(x));
        t = null;
      }
      case BF16 -> {
        float[] v = {-1.5f, 0f, 0.5f, 1024f, 3.0e38f, -2f};
        for (float x : v) raw.putShort((short) (Float.floatToRawIntBits(x) >>> 16));
        t = null;
      }
      case BYTES -> {
        byte[][] v = {"hello".getBytes(StandardCharsets.UTF_8), new byte[0], {0, 'n', 'u', 'l', 0},
            {(byte) 0xFF, (byte) 0xFE}, "ünïcödé".getBytes(StandardCharsets.UTF_8), {'x'}};
        for (byte[] x : v) t.addBytesContents(ByteString.copyFrom(x));
        return new Case(type, t.build(), Wire.strings(v));
      }
    }
    return new Case(type, t == null ? null : t.build(), ByteString.copyFrom(raw.flip()));
  }
}
