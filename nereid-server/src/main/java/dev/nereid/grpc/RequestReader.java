package dev.nereid.grpc;

import com.google.protobuf.UnsafeByteOperations;
import dev.nereid.frontend.BufferPool;
import dev.nereid.grpc.proto.ModelInferRequest;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Reads ModelInfer requests. A large one (a tensor in {@code raw_input_contents}) is copied once, from
 * the transport's buffers straight into direct memory reused from a {@link BufferPool}, and parsed so
 * that its tensors are views of that memory: no fresh array to zero and fault in per request, and the
 * direct memory a backend such as ONNX Runtime reads without another copy. Smaller ones, compressed
 * ones (whose bytes come through a decompressor) and any when the pool is spent are read into an
 * array as {@link AliasingMarshaller} reads them.
 */
final class RequestReader {
  /** Messages at least this large go to pooled memory. */
  static final int POOLED_FROM_BYTES = 1 << 20;

  /**
   * A request read from the wire.
   *
   * @param message the parsed request; its raw contents are views of {@code memory} when that is set
   * @param memory the pooled memory holding it, one holder's claim, or null when it is on the heap
   */
  record Read(ModelInferRequest message, BufferPool.Lease memory) {}

  private final BufferPool pool;

  RequestReader(BufferPool pool) {
    this.pool = pool;
  }

  /** Reads and parses one message; a malformed one fails as {@link AliasingMarshaller#parse(InputStream)} does. */
  Read read(InputStream stream) {
    BufferPool.Lease memory = null;
    try {
      if (stream instanceof KnownLength && stream instanceof HasByteBuffer source && source.byteBufferSupported()
          && stream.available() >= POOLED_FROM_BYTES) {
        memory = pool.take(stream.available());
      }
      if (memory == null) {
        return new Read(AliasingMarshaller.parse(UnsafeByteOperations.unsafeWrap(AliasingMarshaller.readFully(stream)),
            ModelInferRequest.parser()), null);
      }
      ByteBuffer message = memory.buffer();
      copy(stream, (HasByteBuffer) stream, message);
      Read read = new Read(AliasingMarshaller.parse(UnsafeByteOperations.unsafeWrap(message.flip()),
          ModelInferRequest.parser()), memory);
      memory = null;
      return read;
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("cannot read the request message: " + e.getMessage()).withCause(e)
          .asRuntimeException();
    } finally {
      if (memory != null) memory.release();
    }
  }

  /** Fills {@code target} from the stream's own buffers, one piece at a time. */
  private static void copy(InputStream stream, HasByteBuffer source, ByteBuffer target) throws IOException {
    while (target.hasRemaining()) {
      ByteBuffer piece = source.getByteBuffer();
      if (piece == null || !piece.hasRemaining()) {
        throw new IOException("message ended " + target.remaining() + " bytes short of its length");
      }
      int n = Math.min(piece.remaining(), target.remaining());
      target.put(target.position(), piece, piece.position(), n);
      target.position(target.position() + n);
      for (long skipped = 0; skipped < n; ) {
        long s = stream.skip(n - skipped);
        if (s <= 0) throw new IOException("message stream would not advance");
        skipped += s;
      }
    }
  }
}
