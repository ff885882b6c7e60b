package dev.nereid.grpc;

import com.google.protobuf.ByteString;
import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.grpc.proto.InferParameter;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferRequest.InferInputTensor;
import dev.nereid.grpc.proto.ModelInferRequest.InferRequestedOutputTensor;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import dev.nereid.sharedmemory.SystemSharedMemory;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@link ModelInferRequest} into an {@link InferenceRequest}. Raw input bytes are wrapped,
 * not copied: each tensor is a read-only view of its {@code raw_input_contents} entry. Checks that
 * need only the request (data types, shapes, sizes, parameter types) happen here with Triton's
 * messages; checks against the model's signature are the core's.
 */
final class InferRequestDecoder {
  /** Request parameter asking the stream to also send the empty final response of decoupled models. */
  static final String EMPTY_FINAL_RESPONSE = "triton_enable_empty_final_response";

  /**
   * A decoded request.
   *
   * @param model the model's name
   * @param version the version asked for, -1 for the policy's choice
   * @param request the request for the core
   * @param emptyFinalResponse whether a stream should send a decoupled model's empty final response
   * @param sharedMemoryOutputs the outputs to be written into shared memory, by name
   */
  record Decoded(String model, long version, InferenceRequest request, boolean emptyFinalResponse,
      Map<String, SharedMemoryOutput> sharedMemoryOutputs) {}

  private InferRequestDecoder() {}

  static Decoded decode(ModelInferRequest request, SystemSharedMemory regions) {
    return decode(request, rawContents(request), regions);
  }

  /** The request's own {@code raw_input_contents}, as views. */
  static List<ByteBuffer> rawContents(ModelInferRequest request) {
    return request.getRawInputContentsList().stream().map(ByteString::asReadOnlyByteBuffer).toList();
  }

  /**
   * Decodes a request whose {@code raw_input_contents} were split off as it was read ({@link RequestReader}):
   * {@code raw} stands for them, and the message's own list is ignored.
   */
  static Decoded decode(ModelInferRequest request, List<ByteBuffer> raw, SystemSharedMemory regions) {
    String model = request.getModelName();
    long version = ModelVersions.parse(request.getModelVersion());
    InferenceRequest.Builder builder = InferenceRequest.builder().requestId(request.getId());
    boolean emptyFinal = applyParameters(builder, request.getParametersMap());
    addInputs(builder, request, raw, model, regions);
    Map<String, SharedMemoryOutput> sharedMemory = addOutputs(builder, request, regions);
    return new Decoded(model, version, builder.build(), emptyFinal, sharedMemory);
  }

  private static boolean applyParameters(InferenceRequest.Builder builder, Map<String, InferParameter> parameters) {
    boolean emptyFinal = false;
    for (Map.Entry<String, InferParameter> e : parameters.entrySet()) {
      String key = e.getKey();
      InferParameter p = e.getValue();
      switch (key) {
        case "sequence_id" -> {
          switch (p.getParameterChoiceCase()) {
            case INT64_PARAM -> builder.correlationId(p.getInt64Param());
            case UINT64_PARAM -> builder.correlationId(p.getUint64Param());
            case STRING_PARAM -> builder.correlationId(p.getStringParam());
            default -> throw wrongType(key, "int64_param or string_param");
          }
        }
        case "sequence_start" -> builder.sequenceStart(bool(key, p));
        case "sequence_end" -> builder.sequenceEnd(bool(key, p));
        case "priority" -> builder.priority(nonNegative(key, p));
        case "timeout" -> builder.timeoutMicros(nonNegative(key, p));
        case EMPTY_FINAL_RESPONSE -> emptyFinal = bool(key, p);
        default -> {
          if (key.startsWith("triton_")) {
            throw new NereidException.InvalidArgument(
                "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.");
          }
          switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> builder.parameter(key, p.getBoolParam());
            case INT64_PARAM -> builder.parameter(key, p.getInt64Param());
            case STRING_PARAM -> builder.parameter(key, p.getStringParam());
            case DOUBLE_PARAM -> builder.parameter(key, p.getDoubleParam());
            default -> throw wrongType(key, "int64_param, bool_param, double_param or string_param");
          }
        }
      }
    }
    return emptyFinal;
  }

  private static boolean bool(String key, InferParameter p) {
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
      throw wrongType(key, "bool_param");
    }
    return p.getBoolParam();
  }

  private static long nonNegative(String key, InferParameter p) {
    long value = switch (p.getParameterChoiceCase()) {
      case INT64_PARAM -> p.getInt64Param();
      case UINT64_PARAM -> p.getUint64Param();
      default -> throw wrongType(key, "int64_param");
    };
    if (value < 0) {
      throw new NereidException.InvalidArgument("invalid value " + value + " for '" + key + "' parameter, expected >= 0");
    }
    return value;
  }

  private static NereidException wrongType(String key, String expected) {
    return new NereidException.InvalidArgument(
        "invalid value type for '" + key + "' parameter, expected " + expected + ".");
  }

  private static void addInputs(InferenceRequest.Builder builder, ModelInferRequest request, List<ByteBuffer> rawContents,
      String model, SystemSharedMemory regions) {
    int raw = rawContents.size();
    // Inputs in shared memory have no raw_input_contents entry; the others take theirs in order.
    int inMemory = 0;
    for (InferInputTensor input : request.getInputsList()) {
      if (SharedMemoryParameters.named(input.getParametersMap())) inMemory++;
    }
    int expectedRaw = request.getInputsCount() - inMemory;
    if (raw > 0 && raw != expectedRaw) {
      throw new NereidException.InvalidArgument("expected " + expectedRaw + " raw_input_contents (one per input"
          + (inMemory > 0 ? " not in shared memory" : "") + ", in the order of 'inputs') for model '" + model + "', got " + raw);
    }
    int nextRaw = 0;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < request.getInputsCount(); i++) {
      InferInputTensor input = request.getInputs(i);
      String name = input.getName();
      if (!seen.add(name)) {
        throw new NereidException.InvalidArgument("input '" + name + "' already exists in request");
      }
      DataType type = dataType(input.getDatatype(), name, model);
      long[] shape = shape(input, model);
      ByteBuffer data;
      if (SharedMemoryParameters.named(input.getParametersMap())) {
        if (input.hasContents()) {
          throw new NereidException.InvalidArgument("contents field must not be specified when using shared memory for '"
              + name + "' for model '" + model + "'");
        }
        data = SharedMemoryParameters.input(regions, name, input.getParametersMap());
      } else if (input.hasContents()) {
        if (raw > 0) {
          throw new NereidException.InvalidArgument("contents field must not be specified when using raw_input_contents for '"
              + name + "' for model '" + model + "'");
        }
        data = TypedContents.decode(input.getContents(), type, name, model);
      } else if (raw > 0) {
        data = rawContents.get(nextRaw++).asReadOnlyBuffer();
      } else {
        throw new NereidException.InvalidArgument(
            "unable to find data for input tensor '" + name + "' for model '" + model + "' in request.");
      }
      checkByteSize(type, shape, data, name, model);
      builder.input(name, Tensor.of(type, shape, data));
    }
  }

  private static DataType dataType(String name, String input, String model) {
    for (DataType type : DataType.values()) {
      if (type.kserveName().equals(name)) {
        return type;
      }
    }
    throw new NereidException.InvalidArgument("invalid datatype '" + name + "' for input tensor '" + input + "' for model '"
        + model + "'; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BF16, BYTES");
  }

  private static long[] shape(InferInputTensor input, String model) {
    long[] shape = new long[input.getShapeCount()];
    boolean empty = false;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = input.getShape(i);
      if (shape[i] < 0) {
        throw new NereidException.InvalidArgument("invalid shape " + input.getShapeList() + " for input tensor '"
            + input.getName() + "' for model '" + model + "': dimensions must be >= 0");
      }
      empty |= shape[i] == 0;
    }
    long count = 1;
    for (int i = 0; i < shape.length && !empty; i++) {
      if (count > Long.MAX_VALUE / shape[i]) {
        throw new NereidException.InvalidArgument("shape " + input.getShapeList() + " of input tensor '" + input.getName()
            + "' for model '" + model + "' causes total element count to exceed maximum size of " + Long.MAX_VALUE);
      }
      count *= shape[i];
    }
    return shape;
  }

  private static void checkByteSize(DataType type, long[] shape, ByteBuffer data, String input, String model) {
    if (!type.isFixedSize()) {
      return; // BYTES: the core counts the length-prefixed elements and names what is wrong.
    }
    long count = 1;
    for (long d : shape) count *= d;
    if (count > Long.MAX_VALUE / type.byteSize()) {
      throw new NereidException.InvalidArgument("byte size overflow for input '" + input + "' for model '" + model + "'");
    }
    long expected = count * type.byteSize();
    if (data.remaining() != expected) {
      throw new NereidException.InvalidArgument("input byte size mismatch for input '" + input + "' for model '" + model
          + "'. Expected " + expected + ", got " + data.remaining());
    }
  }

  private static Map<String, SharedMemoryOutput> addOutputs(InferenceRequest.Builder builder, ModelInferRequest request,
      SystemSharedMemory regions) {
    Map<String, SharedMemoryOutput> sharedMemory = Map.of();
    Set<String> seen = new HashSet<>();
    String model = request.getModelName();
    for (InferRequestedOutputTensor output : request.getOutputsList()) {
      String name = output.getName();
      if (!seen.add(name)) {
        throw new NereidException.InvalidArgument("output '" + name + "' already exists in request");
      }
      if (SharedMemoryParameters.named(output.getParametersMap())) {
        if (sharedMemory.isEmpty()) sharedMemory = new LinkedHashMap<>();
        sharedMemory.put(name, SharedMemoryParameters.output(regions, name, output.getParametersMap()));
      }
      if (output.containsParameters("classification")) {
        throw new NereidException.Unsupported("output tensor '" + name + "' for model '" + model
            + "' asks for classification, which Nereid's gRPC front end does not support yet");
      }
      builder.output(name);
    }
    return sharedMemory;
  }
}
