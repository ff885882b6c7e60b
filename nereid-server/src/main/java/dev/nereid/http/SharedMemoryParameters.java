package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.NereidException;
import dev.nereid.sharedmemory.SharedMemoryInputs;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import dev.nereid.sharedmemory.SystemSharedMemory;
import java.nio.ByteBuffer;

/** The shared-memory parameters of a JSON input or output, resolved against the registered regions. */
final class SharedMemoryParameters {
  private SharedMemoryParameters() {}

  /** The bytes of an input whose {@code parameters} name a region. */
  static ByteBuffer input(SystemSharedMemory regions, String input, JsonNode parameters) {
    return SharedMemoryInputs.input(regions, input, region(parameters), unsigned(parameters, "shared_memory_byte_size"),
        unsigned(parameters, "shared_memory_offset"));
  }

  /** Where an output whose {@code parameters} name a region is to be written. */
  static SharedMemoryOutput output(SystemSharedMemory regions, String output, JsonNode parameters) {
    return SharedMemoryInputs.output(regions, output, region(parameters), unsigned(parameters, "shared_memory_byte_size"),
        unsigned(parameters, "shared_memory_offset"));
  }

  private static String region(JsonNode parameters) {
    JsonNode region = parameters.get("shared_memory_region");
    if (!region.isTextual()) throw new NereidException.InvalidArgument("Unable to parse 'shared_memory_region'");
    return region.textValue();
  }

  private static Long unsigned(JsonNode parameters, String key) {
    JsonNode value = parameters.get(key);
    if (value == null) return null;
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
      throw new NereidException.InvalidArgument("Unable to parse '" + key + "': expected a non-negative integer, got "
          + value);
    }
    return value.longValue();
  }
}
