package dev.nereid.grpc;

import dev.nereid.NereidException;
import dev.nereid.grpc.proto.InferParameter;
import dev.nereid.sharedmemory.SharedMemoryInputs;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import dev.nereid.sharedmemory.SystemSharedMemory;
import java.nio.ByteBuffer;
import java.util.Map;

/** The shared-memory parameters of a gRPC input or output, resolved against the registered regions. */
final class SharedMemoryParameters {
  static final String REGION = "shared_memory_region";

  private SharedMemoryParameters() {}

  static boolean named(Map<String, InferParameter> parameters) {
    return parameters.containsKey(REGION);
  }

  /** The bytes of an input whose parameters name a region: a view of the region. */
  static ByteBuffer input(SystemSharedMemory regions, String input, Map<String, InferParameter> parameters) {
    return SharedMemoryInputs.input(regions, input, region(parameters), unsigned(parameters, "shared_memory_byte_size"),
        unsigned(parameters, "shared_memory_offset"));
  }

  /** Where an output whose parameters name a region is to be written. */
  static SharedMemoryOutput output(SystemSharedMemory regions, String output, Map<String, InferParameter> parameters) {
    return SharedMemoryInputs.output(regions, output, region(parameters), unsigned(parameters, "shared_memory_byte_size"),
        unsigned(parameters, "shared_memory_offset"));
  }

  private static String region(Map<String, InferParameter> parameters) {
    InferParameter p = parameters.get(REGION);
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.STRING_PARAM) {
      throw new NereidException.InvalidArgument("invalid value type for '" + REGION + "' parameter, expected string_param.");
    }
    return p.getStringParam();
  }

  private static Long unsigned(Map<String, InferParameter> parameters, String key) {
    InferParameter p = parameters.get(key);
    if (p == null) return null;
    long value = switch (p.getParameterChoiceCase()) {
      case INT64_PARAM -> p.getInt64Param();
      case UINT64_PARAM -> p.getUint64Param();
      default -> throw new NereidException.InvalidArgument(
          "invalid value type for '" + key + "' parameter, expected int64_param.");
    };
    if (value < 0) {
      throw new NereidException.InvalidArgument("invalid value " + value + " for '" + key + "' parameter, expected >= 0");
    }
    return value;
  }
}
