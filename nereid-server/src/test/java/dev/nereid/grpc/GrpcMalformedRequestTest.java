package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.InferParameter;
import dev.nereid.grpc.proto.InferTensorContents;
import dev.nereid.grpc.proto.ModelConfigRequest;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.grpc.proto.ModelMetadataRequest;
import dev.nereid.grpc.proto.ModelReadyRequest;
import dev.nereid.grpc.proto.ModelStatisticsRequest;
import dev.nereid.grpc.proto.ServerLiveRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of malformed requests, each answered with the status and message that name what was
 * wrong; once all are sent, the server still answers good requests.
 */
class GrpcMalformedRequestTest {
  private static final String SIMPLE_CONFIG = """
      backend: "identity"
      max_batch_size: 8
      input [
        { name: "INPUT0" data_type: TYPE_INT32 dims: [ 4 ] },
        { name: "INPUT1" data_type: TYPE_STRING dims: [ 2 ] }
      ]
      output [
        { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 4 ] },
        { name: "OUTPUT1" data_type: TYPE_STRING dims: [ 2 ] }
      ]
      """;

  @TempDir static Path repository;
  private static GrpcFixture fx;

  @BeforeAll
  static void start() throws IOException {
    Files.createDirectories(repository.resolve("simple/1"));
    Files.writeString(repository.resolve("simple/config.pbtxt"), SIMPLE_CONFIG);
    fx = GrpcFixture.start(ServerOptions.builder()
        .modelRepositories(List.of(GrpcFixture.EXAMPLES, repository))
        .build(), o -> o);
  }

  @AfterAll
  static void stillServes() throws InterruptedException {
    try {
      assertThat(fx.blocking.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
      ModelInferResponse good = fx.blocking.modelInfer(simple(b -> {}));
      assertThat(good.getOutputsList()).extracting(o -> o.getName()).containsExactly("OUTPUT0", "OUTPUT1");
      assertThat(good.getRawOutputContents(0)).isEqualTo(Wire.int32s(1, 2, 3, 4));
      assertThat(good.getRawOutputContents(1)).isEqualTo(STRINGS);
    } finally {
      fx.close();
    }
  }

  /** A malformed call, the status it must get, and a fragment its message must contain. */
  record Case(String name, Function<GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub, Object> call,
      Status.Code code, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void malformedRequestIsRefused(Case c) {
    assertThatThrownBy(() -> c.call().apply(fx.blocking)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(c.code());
      assertThat(e.getStatus().getDescription()).contains(c.message());
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("garbage")
  void bytesThatAreNoProtobufMessageAreRefused(String name, byte[] body) {
    MethodDescriptor<byte[], byte[]> raw = GRPCInferenceServiceGrpc.getModelInferMethod().toBuilder(BYTES, BYTES).build();
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(fx.channel, raw, CallOptions.DEFAULT, body))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("malformed ModelInfer request: ");
        });
  }

  static List<Object[]> garbage() {
    return List.of(
        new Object[] {"truncated varint", new byte[] {(byte) 0x0a, (byte) 0xff}},
        new Object[] {"length past the end", new byte[] {0x0a, 0x7f, 'x'}},
        new Object[] {"invalid wire type", new byte[] {0x0f, 0x01}},
        // At 1 MiB and more the raw contents are split off before protobuf parses the rest.
        new Object[] {"large, cut short by one byte", Arrays.copyOf(large().toByteArray(), large().getSerializedSize() - 1)},
        new Object[] {"large, an invalid wire type after the raw contents", concat(large().toByteArray(), new byte[] {0x0f, 0x01})},
        new Object[] {"large, a malformed input before the raw contents",
            concat(new byte[] {0x2a, 0x02, 0x0a, 0x7f}, large().toByteArray())});
  }

  /** A well-formed identity request of 2 MiB. */
  private static ModelInferRequest large() {
    return ModelInferRequest.newBuilder().setModelName("identity")
        .addInputs(Wire.input("fp32_input", "FP32", 1, 512 * 1024))
        .addRawInputContents(ByteString.copyFrom(new byte[2 << 20]))
        .build();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static final ByteString STRINGS = Wire.strings("a".getBytes(StandardCharsets.UTF_8), new byte[] {0, 1});

  static List<Case> corpus() {
    List<Case> c = new ArrayList<>();
    String invalid = "INVALID_ARGUMENT";
    // --- model and version
    c.add(infer("missing model name", simple(b -> b.setModelName("")), invalid, "Request for unknown model: '' is not found"));
    c.add(infer("unknown model", simple(b -> b.setModelName("nope")), invalid, "Request for unknown model: 'nope' is not found"));
    c.add(infer("version not a number", simple(b -> b.setModelVersion("abc")), invalid,
        "failed to get model version from specified version string 'abc'"));
    c.add(infer("negative version", simple(b -> b.setModelVersion("-1")), invalid,
        "invalid model version specified '-1' , version should be an integral value > 0"));
    c.add(infer("fractional version", simple(b -> b.setModelVersion("1.0")), invalid,
        "failed to get model version from specified version string '1.0'"));
    c.add(infer("version too large for int64", simple(b -> b.setModelVersion("99999999999999999999")), invalid,
        "failed to get model version from specified version string"));
    c.add(infer("version the model lacks", simple(b -> b.setModelVersion("99")), "NOT_FOUND",
        "Request for unknown model: 'simple' version 99 is not found"));
    c.add(infer("decoupled model on ModelInfer", ModelInferRequest.newBuilder().setModelName("square_int32")
        .addInputs(Wire.input("IN", "INT32", 1)).addRawInputContents(Wire.int32s(1)).build(), "UNIMPLEMENTED",
        "ModelInfer RPC doesn't support models with decoupled transaction policy"));
    // --- data types
    c.add(infer("unknown datatype name", simple(b -> b.getInputsBuilder(0).setDatatype("FLOAT32")), invalid,
        "invalid datatype 'FLOAT32' for input tensor 'INPUT0' for model 'simple'"));
    c.add(infer("lower-case datatype", simple(b -> b.getInputsBuilder(0).setDatatype("int32")), invalid,
        "invalid datatype 'int32' for input tensor 'INPUT0'"));
    c.add(infer("empty datatype", simple(b -> b.getInputsBuilder(0).setDatatype("")), invalid,
        "invalid datatype '' for input tensor 'INPUT0'"));
    c.add(infer("config-style datatype", simple(b -> b.getInputsBuilder(0).setDatatype("TYPE_INT32")), invalid,
        "invalid datatype 'TYPE_INT32' for input tensor 'INPUT0'"));
    c.add(infer("datatype the model does not expect", simple(b -> b.getInputsBuilder(0).setDatatype("FP32")), invalid,
        "inference input 'INPUT0' data-type is 'FP32', but model 'simple' expects 'INT32'"));
    c.add(infer("BYTES input sent as INT32", simple(b -> {
      b.getInputsBuilder(1).setDatatype("INT32");
      b.setRawInputContents(1, Wire.int32s(1, 2));
    }), invalid, "inference input 'INPUT1' data-type is 'INT32', but model 'simple' expects 'BYTES'"));
    // --- inputs
    c.add(infer("unknown input", simple(b -> b.getInputsBuilder(0).setName("INPUT9")), invalid,
        "unexpected inference input 'INPUT9' for model 'simple'"));
    c.add(infer("empty input name", simple(b -> b.getInputsBuilder(0).setName("")), invalid,
        "unexpected inference input '' for model 'simple'"));
    c.add(infer("duplicate input", simple(b -> b.getInputsBuilder(1).setName("INPUT0")), invalid,
        "input 'INPUT0' already exists in request"));
    c.add(infer("missing required input", simple(b -> b.removeInputs(1).clearRawInputContents().addRawInputContents(Wire.int32s(1, 2, 3, 4))), invalid,
        "expected 2 inputs but got 1 inputs for model 'simple'. Got input(s) ['INPUT0'], but missing required input(s) "
            + "['INPUT1']. Please provide all required input(s)."));
    c.add(infer("no inputs at all", ModelInferRequest.newBuilder().setModelName("simple").build(), invalid,
        "expected 2 inputs but got 0 inputs for model 'simple'"));
    // --- shapes
    c.add(infer("batch dimension left out", simple(b -> b.getInputsBuilder(0).clearShape().addShape(4)), invalid,
        "unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,4], got [4]"));
    c.add(infer("wrong dimension", simple(b -> {
      b.getInputsBuilder(0).setShape(1, 5);
      b.setRawInputContents(0, Wire.int32s(1, 2, 3, 4, 5));
    }), invalid, "unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,4], got [1,5]"));
    c.add(infer("rank too high", simple(b -> b.getInputsBuilder(0).addShape(1)), invalid,
        "unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,4], got [1,4,1]"));
    c.add(infer("scalar shape", simple(b -> {
      b.getInputsBuilder(0).clearShape();
      b.setRawInputContents(0, Wire.int32s(1));
    }), invalid, "unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,4], got []"));
    c.add(infer("batch over max_batch_size", simple(b -> {
      b.getInputsBuilder(0).setShape(0, 9);
      b.setRawInputContents(0, Wire.int32s(new int[36]));
      b.getInputsBuilder(1).setShape(0, 9);
      b.setRawInputContents(1, Wire.strings(java.util.stream.Stream.generate(() -> new byte[1]).limit(18).toArray(byte[][]::new)));
    }), invalid, "inference request batch-size must be <= 8 for 'simple', got 9"));
    c.add(infer("inputs with different batch sizes", simple(b -> {
      b.getInputsBuilder(0).setShape(0, 2);
      b.setRawInputContents(0, Wire.int32s(new int[8]));
    }), invalid, "does not match other inputs' batch size"));
    c.add(infer("negative dimension", simple(b -> b.getInputsBuilder(0).setShape(0, -1)), invalid,
        "invalid shape [-1, 4] for input tensor 'INPUT0' for model 'simple': dimensions must be >= 0"));
    c.add(infer("element count overflows", simple(b -> b.getInputsBuilder(0).setShape(0, 1L << 32).setShape(1, 1L << 32)),
        invalid, "causes total element count to exceed maximum size of 9223372036854775807"));
    // --- byte sizes
    c.add(infer("raw data too short", simple(b -> b.setRawInputContents(0, Wire.int32s(1, 2, 3))), invalid,
        "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 16, got 12"));
    c.add(infer("raw data too long", simple(b -> b.setRawInputContents(0, Wire.int32s(1, 2, 3, 4, 5))), invalid,
        "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 16, got 20"));
    c.add(infer("raw data empty", simple(b -> b.setRawInputContents(0, ByteString.EMPTY)), invalid,
        "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 16, got 0"));
    c.add(infer("too few typed elements", typedSimple(t -> t.addAllIntContents(List.of(1, 2, 3))), invalid,
        "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 16, got 12"));
    c.add(infer("too many typed elements", typedSimple(t -> t.addAllIntContents(List.of(1, 2, 3, 4, 5))), invalid,
        "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 16, got 20"));
    c.add(infer("FP16 raw of odd size", identityRaw("fp16_input", "FP16", ByteString.copyFrom(new byte[3])), invalid,
        "input byte size mismatch for input 'fp16_input' for model 'identity'. Expected 2, got 3"));
    c.add(infer("UINT64 raw too short", identityRaw("uint64_input", "UINT64", ByteString.copyFrom(new byte[7])), invalid,
        "input byte size mismatch for input 'uint64_input' for model 'identity'. Expected 8, got 7"));
    c.add(infer("BOOL raw too long", identityRaw("bool_input", "BOOL", ByteString.copyFrom(new byte[2])), invalid,
        "input byte size mismatch for input 'bool_input' for model 'identity'. Expected 1, got 2"));
    // --- where the data is
    c.add(infer("both contents and raw", simple(b -> b.getInputsBuilder(0)
        .setContents(InferTensorContents.newBuilder().addAllIntContents(List.of(1, 2, 3, 4)))), invalid,
        "contents field must not be specified when using raw_input_contents for 'INPUT0' for model 'simple'"));
    c.add(infer("fewer raw entries than inputs", simple(b -> b.clearRawInputContents().addRawInputContents(Wire.int32s(1, 2, 3, 4))), invalid,
        "expected 2 raw_input_contents (one per input, in the order of 'inputs') for model 'simple', got 1"));
    c.add(infer("more raw entries than inputs", simple(b -> b.addRawInputContents(Wire.int32s(1))), invalid,
        "expected 2 raw_input_contents (one per input, in the order of 'inputs') for model 'simple', got 3"));
    c.add(infer("no data for an input", simple(b -> b.clearRawInputContents()), invalid,
        "unable to find data for input tensor 'INPUT0' for model 'simple' in request."));
    c.add(infer("typed field of another type", typedSimple(t -> t.addAllFp32Contents(List.of(1f, 2f, 3f, 4f))), invalid,
        "unexpected explicit tensor data for input tensor 'INPUT0' for model 'simple' of type 'FP32', expected datatype 'INT32'"));
    c.add(infer("two typed fields", typedSimple(t -> t.addAllIntContents(List.of(1, 2, 3, 4)).addInt64Contents(5)), invalid,
        "unexpected explicit tensor data for input tensor 'INPUT0' for model 'simple', binary data was already supplied."));
    c.add(infer("bytes_contents for INT32", typedSimple(t -> t.addBytesContents(ByteString.copyFromUtf8("x"))), invalid,
        "of type 'BYTES', expected datatype 'INT32'"));
    c.add(infer("uint_contents for INT32", typedSimple(t -> t.addAllUintContents(List.of(1, 2, 3, 4))), invalid,
        "of type 'UINT32', expected datatype 'INT32'"));
    c.add(infer("int_contents for BYTES", ModelInferRequest.newBuilder().setModelName("identity")
        .addInputs(Wire.input("string_input", "BYTES", 1, 1)
            .setContents(InferTensorContents.newBuilder().addIntContents(1))).build(), invalid,
        "unexpected explicit tensor data for input tensor 'string_input' for model 'identity' of type 'INT32', "
            + "expected datatype 'BYTES'"));
    c.add(infer("fp32_contents for FP16", identityTyped("fp16_input", "FP16", t -> t.addFp32Contents(1f)), invalid,
        "of type 'FP32', expected datatype 'FP16'"));
    c.add(infer("INT8 value out of range", identityTyped("int8_input", "INT8", t -> t.addIntContents(300)), invalid,
        "value 300 of input tensor 'int8_input' for model 'identity' is out of range for datatype 'INT8'"));
    c.add(infer("INT16 value out of range", identityTyped("int16_input", "INT16", t -> t.addIntContents(-40000)), invalid,
        "value -40000 of input tensor 'int16_input' for model 'identity' is out of range for datatype 'INT16'"));
    c.add(infer("UINT8 value out of range", identityTyped("uint8_input", "UINT8", t -> t.addUintContents(256)), invalid,
        "value 256 of input tensor 'uint8_input' for model 'identity' is out of range for datatype 'UINT8'"));
    c.add(infer("UINT16 value out of range", identityTyped("uint16_input", "UINT16", t -> t.addUintContents(70000)),
        invalid, "value 70000 of input tensor 'uint16_input' for model 'identity' is out of range for datatype 'UINT16'"));
    // --- BYTES encoding
    c.add(infer("BYTES length runs past the end", simple(b -> b.setRawInputContents(1, le(100, "abc"))), invalid,
        "input 'INPUT1' for model 'simple' holds a malformed BYTES buffer"));
    c.add(infer("BYTES length prefix cut short", simple(b -> b.setRawInputContents(1, ByteString.copyFrom(new byte[] {2, 0}))),
        invalid, "input 'INPUT1' for model 'simple' holds a malformed BYTES buffer"));
    c.add(infer("BYTES length of 4 GiB", simple(b -> b.setRawInputContents(1, le(-1, "abc"))), invalid,
        "input 'INPUT1' for model 'simple' holds a malformed BYTES buffer"));
    c.add(infer("BYTES trailing byte", simple(b -> b.setRawInputContents(1, STRINGS.concat(ByteString.copyFrom(new byte[1])))),
        invalid, "input 'INPUT1' for model 'simple' holds a malformed BYTES buffer"));
    c.add(infer("too few BYTES elements", simple(b -> b.setRawInputContents(1, Wire.strings(new byte[] {'a'}))), invalid,
        "expected 2 string elements for inference input 'INPUT1' for model 'simple', got 1"));
    c.add(infer("too many BYTES elements", simple(b -> b.setRawInputContents(1, Wire.strings(new byte[1], new byte[2], new byte[3]))),
        invalid, "unexpected number of string elements 3 for inference input 'INPUT1' for model 'simple', expecting 2"));
    c.add(infer("too few bytes_contents", simple(b -> {
      b.clearRawInputContents();
      b.getInputsBuilder(0).setContents(InferTensorContents.newBuilder().addAllIntContents(List.of(1, 2, 3, 4)));
      b.getInputsBuilder(1).setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("a")));
    }), invalid, "expected 2 string elements for inference input 'INPUT1' for model 'simple', got 1"));
    // --- requested outputs
    c.add(infer("unknown output", simple(b -> b.addOutputs(output("OUTPUT9"))), invalid,
        "unexpected inference output 'OUTPUT9' for model 'simple'"));
    c.add(infer("empty output name", simple(b -> b.addOutputs(output(""))), invalid,
        "unexpected inference output '' for model 'simple'"));
    c.add(infer("duplicate output", simple(b -> b.addOutputs(output("OUTPUT0")).addOutputs(output("OUTPUT0"))), invalid,
        "output 'OUTPUT0' already exists in request"));
    c.add(infer("classification asked for", simple(b -> b.addOutputs(output("OUTPUT0").putParameters("classification",
        Wire.int64(3)))), "UNIMPLEMENTED", "asks for classification"));
    c.add(infer("shared memory input beside raw contents for every input", simple(b -> b.getInputsBuilder(0)
        .putParameters("shared_memory_region", Wire.string("region0"))), invalid,
        "expected 1 raw_input_contents (one per input not in shared memory, in the order of 'inputs') for model 'simple', got 2"));
    c.add(infer("shared memory output without a byte size", simple(b -> b.addOutputs(output("OUTPUT0")
        .putParameters("shared_memory_region", Wire.string("region0")))), invalid,
        "'shared_memory_byte_size' is missing for tensor 'OUTPUT0': it must be given with 'shared_memory_region'"));
    c.add(infer("shared memory output in an unknown region", simple(b -> b.addOutputs(output("OUTPUT0")
        .putParameters("shared_memory_region", Wire.string("region0"))
        .putParameters("shared_memory_byte_size", Wire.int64(64)))), "NOT_FOUND",
        "Unable to find shared memory region: 'region0'"));
    // --- parameters
    c.add(infer("priority as a string", param("priority", Wire.string("high")), invalid,
        "invalid value type for 'priority' parameter, expected int64_param."));
    c.add(infer("negative priority", param("priority", Wire.int64(-1)), invalid,
        "invalid value -1 for 'priority' parameter, expected >= 0"));
    c.add(infer("timeout as a bool", param("timeout", Wire.bool(true)), invalid,
        "invalid value type for 'timeout' parameter, expected int64_param."));
    c.add(infer("negative timeout", param("timeout", Wire.int64(-5)), invalid,
        "invalid value -5 for 'timeout' parameter, expected >= 0"));
    c.add(infer("sequence_id as a bool", param("sequence_id", Wire.bool(true)), invalid,
        "invalid value type for 'sequence_id' parameter, expected int64_param or string_param."));
    c.add(infer("sequence_start as an int", param("sequence_start", Wire.int64(1)), invalid,
        "invalid value type for 'sequence_start' parameter, expected bool_param."));
    c.add(infer("sequence_end as a string", param("sequence_end", Wire.string("true")), invalid,
        "invalid value type for 'sequence_end' parameter, expected bool_param."));
    c.add(infer("reserved triton_ key", param("triton_secret", Wire.bool(true)), invalid,
        "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified."));
    c.add(infer("parameter without a value", param("custom", InferParameter.getDefaultInstance()), invalid,
        "invalid value type for 'custom' parameter, expected int64_param, bool_param, double_param or string_param."));
    c.add(infer("custom uint64 parameter", param("custom", InferParameter.newBuilder().setUint64Param(1).build()), invalid,
        "invalid value type for 'custom' parameter, expected int64_param, bool_param, double_param or string_param."));
    c.add(infer("empty-final flag as an int", param("triton_enable_empty_final_response", Wire.int64(1)), invalid,
        "invalid value type for 'triton_enable_empty_final_response' parameter, expected bool_param."));
    // --- other RPCs
    c.add(new Case("ModelMetadata with a bad version",
        s -> s.modelMetadata(ModelMetadataRequest.newBuilder().setName("simple").setVersion("x").build()),
        Status.Code.INVALID_ARGUMENT, "failed to get model version from specified version string 'x'"));
    c.add(new Case("ModelConfig of an unknown model",
        s -> s.modelConfig(ModelConfigRequest.newBuilder().setName("ghost").build()),
        Status.Code.INVALID_ARGUMENT, "Request for unknown model: 'ghost' is not found"));
    c.add(new Case("ModelStatistics with a negative version",
        s -> s.modelStatistics(ModelStatisticsRequest.newBuilder().setName("simple").setVersion("-3").build()),
        Status.Code.INVALID_ARGUMENT, "invalid model version specified '-3'"));
    c.add(new Case("ModelStatistics of a version the model lacks",
        s -> s.modelStatistics(ModelStatisticsRequest.newBuilder().setName("simple").setVersion("42").build()),
        Status.Code.NOT_FOUND, "Request for unknown model: 'simple' version 42 is not found"));
    c.add(new Case("ModelReady with an exponent version",
        s -> s.modelReady(ModelReadyRequest.newBuilder().setName("simple").setVersion("1e3").build()),
        Status.Code.INVALID_ARGUMENT, "failed to get model version from specified version string '1e3'"));
    return c;
  }

  /** A good request to "simple" (INPUT0 INT32 [1,4], INPUT1 BYTES [1,2], both raw), then edited. */
  static ModelInferRequest simple(Consumer<ModelInferRequest.Builder> edit) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder()
        .setModelName("simple")
        .addInputs(Wire.input("INPUT0", "INT32", 1, 4))
        .addInputs(Wire.input("INPUT1", "BYTES", 1, 2))
        .addRawInputContents(Wire.int32s(1, 2, 3, 4))
        .addRawInputContents(STRINGS);
    edit.accept(b);
    return b.build();
  }

  private static ModelInferRequest typedSimple(Consumer<InferTensorContents.Builder> contents) {
    return simple(b -> {
      b.clearRawInputContents();
      InferTensorContents.Builder t = InferTensorContents.newBuilder();
      contents.accept(t);
      b.getInputsBuilder(0).setContents(t);
      b.getInputsBuilder(1).setContents(InferTensorContents.newBuilder()
          .addBytesContents(ByteString.copyFromUtf8("a")).addBytesContents(ByteString.copyFromUtf8("b")));
    });
  }

  private static ModelInferRequest identityRaw(String input, String datatype, ByteString raw) {
    return ModelInferRequest.newBuilder().setModelName("identity")
        .addInputs(Wire.input(input, datatype, 1, 1)).addRawInputContents(raw).build();
  }

  private static ModelInferRequest identityTyped(String input, String datatype, Consumer<InferTensorContents.Builder> contents) {
    InferTensorContents.Builder t = InferTensorContents.newBuilder();
    contents.accept(t);
    return ModelInferRequest.newBuilder().setModelName("identity")
        .addInputs(Wire.input(input, datatype, 1, 1).setContents(t)).build();
  }

  private static ModelInferRequest param(String key, InferParameter value) {
    return simple(b -> b.putParameters(key, value));
  }

  private static ModelInferRequest.InferRequestedOutputTensor.Builder output(String name) {
    return ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(name);
  }

  /** A BYTES buffer whose one length prefix is {@code length}, followed by {@code text}. */
  private static ByteString le(int length, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    return ByteString.copyFrom(Wire.le(4 + t.length).putInt(length).put(t).flip());
  }

  private static Case infer(String name, ModelInferRequest request, String code, String message) {
    return new Case(name, s -> s.modelInfer(request), Status.Code.valueOf(code), message);
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
}
