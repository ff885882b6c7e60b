package dev.nereid.sharedmemory;

import dev.nereid.NereidException;
import java.nio.ByteBuffer;

/**
 * Reads the shared-memory parameters of a request's input or output ({@code shared_memory_region},
 * {@code shared_memory_byte_size}, {@code shared_memory_offset}), whichever protocol carried them, and
 * resolves them against the registered regions.
 */
public final class SharedMemoryInputs {
  private SharedMemoryInputs() {}

  /**
   * The memory an input's bytes lie in: a read-only view of the region, not a copy.
   *
   * @param byteSize {@code shared_memory_byte_size}, or null when the request left it out
   * @param offset {@code shared_memory_offset}, or null for 0
   */
  public static ByteBuffer input(SystemSharedMemory regions, String tensor, String region, Long byteSize, Long offset) {
    return regions.view(region, offset == null ? 0 : offset, required(tensor, byteSize)).asReadOnlyBuffer();
  }

  /** Where an output is to be written. Arguments as for {@link #input}. */
  public static SharedMemoryOutput output(SystemSharedMemory regions, String tensor, String region, Long byteSize,
      Long offset) {
    return new SharedMemoryOutput(region, regions.view(region, offset == null ? 0 : offset, required(tensor, byteSize)));
  }

  private static long required(String tensor, Long byteSize) {
    if (byteSize == null) {
      throw new NereidException.InvalidArgument("'shared_memory_byte_size' is missing for tensor '" + tensor
          + "': it must be given with 'shared_memory_region'");
    }
    return byteSize;
  }
}
