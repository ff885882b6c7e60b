package dev.nereid.sharedmemory;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;

/**
 * Where a request asked for one output to be written: a window of a registered region, resolved when
 * the request was read (so an unknown region or a bad range fails the request before it runs).
 *
 * @param region the region's name
 * @param target the window's memory
 */
public record SharedMemoryOutput(String region, ByteBuffer target) {
  /**
   * Copies an output tensor into the window.
   *
   * @return the bytes written
   * @throws NereidException.Internal when the window is smaller than the output, with Triton's message
   */
  public long write(String output, Tensor tensor) {
    long size = tensor.byteSize();
    if (size > target.capacity()) {
      throw new NereidException.Internal("shared memory size specified with the request for output '" + output + "' ("
          + target.capacity() + " bytes) should be at least " + size + " bytes to hold the results");
    }
    target.duplicate().clear().put(tensor.data().duplicate());
    return size;
  }
}
