package dev.nereid.http;

import dev.nereid.sharedmemory.SharedMemoryOutput;
import java.util.Map;

/**
 * How each output of an infer response is returned. An output listed in the request's {@code outputs}
 * is binary only when its own {@code binary_data} is true; the others follow the request-level
 * {@code binary_data_output} (JSON by default), as Triton does it.
 *
 * @param binaryByDefault how outputs not listed in the request are returned
 * @param listed the outputs the request lists, by name
 */
record OutputSelection(boolean binaryByDefault, Map<String, Requested> listed) {
  /**
   * One requested output.
   *
   * @param binary whether it is returned as binary data
   * @param classification the top classes to return instead of the tensor, or 0
   * @param sharedMemory where to write it instead of the response body, or null
   */
  record Requested(boolean binary, int classification, SharedMemoryOutput sharedMemory) {}

  /** Every output in binary: the answer to a raw binary request. */
  static final OutputSelection ALL_BINARY = new OutputSelection(true, Map.of());

  boolean binary(String output) {
    Requested r = listed.get(output);
    return r == null ? binaryByDefault : r.binary();
  }

  /** Where the output goes in shared memory, or null when it goes in the response. */
  SharedMemoryOutput sharedMemory(String output) {
    Requested r = listed.get(output);
    return r == null ? null : r.sharedMemory();
  }

  int classification(String output) {
    Requested r = listed.get(output);
    return r == null ? 0 : r.classification();
  }
}
