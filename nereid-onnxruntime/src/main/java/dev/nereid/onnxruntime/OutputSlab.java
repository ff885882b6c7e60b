package dev.nereid.onnxruntime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Direct memory for output tensors. Small outputs are cut from a shared 256 KiB direct chunk rather
 * than each getting a direct buffer of its own: {@code allocateDirect} costs a native allocation and a
 * cleaner, and every cleaner is work for the garbage collector, which for a small model serving many
 * requests came to several percent of the run time. A chunk is freed once no slice of it is reachable,
 * so a caller that keeps one small output keeps at most one chunk alive. Large outputs get their own buffer.
 *
 * <p>Not thread-safe: one per instance, which runs one batch at a time.
 */
final class OutputSlab {
  static final int CHUNK_BYTES = 256 << 10;
  static final int MAX_SLICE_BYTES = 16 << 10;
  private static final int ALIGNMENT = 64;

  private ByteBuffer chunk;

  /** A little-endian direct buffer of exactly {@code bytes} bytes, positioned at 0. */
  ByteBuffer allocate(int bytes) {
    if (bytes > MAX_SLICE_BYTES) {
      return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
    int aligned = (bytes + ALIGNMENT - 1) & -ALIGNMENT;
    if (chunk == null || chunk.remaining() < aligned) {
      chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
    }
    ByteBuffer slice = chunk.slice(chunk.position(), bytes).order(ByteOrder.LITTLE_ENDIAN);
    chunk.position(chunk.position() + aligned);
    return slice;
  }
}
