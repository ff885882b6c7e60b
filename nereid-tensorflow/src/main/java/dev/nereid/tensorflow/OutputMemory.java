package dev.nereid.tensorflow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Direct memory for output tensors: small outputs are cut from a shared 256 KiB chunk, because an
 * {@code allocateDirect} per output (a native allocation and a cleaner each) costs more than a small
 * model's run; a chunk is freed once no slice of it is reachable. Large outputs get their own buffer.
 * (The same policy as the ONNX Runtime backend's; each backend module stands alone.)
 *
 * <p>Not thread-safe: one per instance, which runs one batch at a time.
 */
final class OutputMemory {
  private static final int CHUNK_BYTES = 256 << 10;
  private static final int MAX_SLICE_BYTES = 16 << 10;
  private static final int ALIGNMENT = 64;

  private ByteBuffer chunk;

  /** A little-endian direct buffer of exactly {@code bytes} bytes, positioned at 0. */
  ByteBuffer allocate(int bytes) {
    if (bytes > MAX_SLICE_BYTES) return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int aligned = (bytes + ALIGNMENT - 1) & -ALIGNMENT;
    if (chunk == null || chunk.remaining() < aligned) chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
    ByteBuffer slice = chunk.slice(chunk.position(), bytes).order(ByteOrder.LITTLE_ENDIAN);
    chunk.position(chunk.position() + aligned);
    return slice;
  }
}
