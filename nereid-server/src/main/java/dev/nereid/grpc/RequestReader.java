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
import java.util.ArrayList;
import java.util.List;

/**
 * Reads ModelInfer requests. A large one (a tensor in {@code raw_input_contents}) is copied once, from
 * the transport's buffers straight into direct memory reused from a {@link BufferPool}, and its
 * tensors are views of that memory: no fresh array to zero and fault in per request, and the direct
 * memory a backend such as ONNX Runtime reads without another copy. Protobuf (4.x) cannot alias direct
 * memory (its {@code ByteString} copies a direct buffer into an array), so the raw contents are split
 * off by walking the message's top-level fields, and only the rest, a few hundred bytes, is parsed.
 * Smaller requests, compressed ones (whose bytes come through a decompressor) and any when the pool
 * is spent are read into an array as {@link AliasingMarshaller} reads them.
 */
final class RequestReader {
  /** Messages at least this large go to pooled memory. */
  static final int POOLED_FROM_BYTES = 1 << 20;

  /** Field 7 of ModelInferRequest, length-delimited. */
  private static final int RAW_INPUT_CONTENTS_TAG = (7 << 3) | 2;

  /**
   * A request read from the wire.
   *
   * @param message the parsed request; when {@code memory} is set its own raw contents are empty
   * @param rawInputContents the request's raw contents, views of {@code memory} when that is set
   * @param memory the pooled memory holding them, one holder's claim, or null when all is on the heap
   */
  record Read(ModelInferRequest message, List<ByteBuffer> rawInputContents, BufferPool.Lease memory) {}

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
        return onHeap(AliasingMarshaller.readFully(stream));
      }
      ByteBuffer message = memory.buffer();
      copy(stream, (HasByteBuffer) stream, message);
      message.flip();
      List<ByteBuffer> raw = new ArrayList<>();
      byte[] rest = splitRawContents(message, raw);
      if (rest == null) {
        // Not a well-formed message: protobuf parses a copy and says what is wrong.
        byte[] copy = new byte[message.remaining()];
        message.get(copy);
        return onHeap(copy);
      }
      Read read = new Read(AliasingMarshaller.parse(UnsafeByteOperations.unsafeWrap(rest), ModelInferRequest.parser()),
          raw, memory);
      memory = null;
      return read;
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("cannot read the request message: " + e.getMessage()).withCause(e)
          .asRuntimeException();
    } finally {
      if (memory != null) memory.release();
    }
  }

  private static Read onHeap(byte[] bytes) {
    ModelInferRequest message = AliasingMarshaller.parse(UnsafeByteOperations.unsafeWrap(bytes), ModelInferRequest.parser());
    return new Read(message, InferRequestDecoder.rawContents(message), null);
  }

  /**
   * Walks the top-level fields of a serialised request: each {@code raw_input_contents} entry is added
   * to {@code raw} as a view of {@code message}, and the other fields' bytes are returned, in order,
   * as a message of their own. Null when the bytes are not a well-formed sequence of fields.
   */
  static byte[] splitRawContents(ByteBuffer message, List<ByteBuffer> raw) {
    Cursor in = new Cursor(message);
    List<int[]> restRanges = new ArrayList<>();
    int restBytes = 0;
    while (in.at < in.end) {
      int fieldAt = in.at;
      long tag = in.varint();
      switch ((int) tag & 7) {
        case 0 -> in.varint();
        case 1 -> in.skip(8);
        case 5 -> in.skip(4);
        case 2 -> {
          long length = in.varint();
          if (length < 0 || length > in.end - in.at) return null;
          if (tag == RAW_INPUT_CONTENTS_TAG) {
            raw.add(message.slice(in.at, (int) length));
            in.skip((int) length);
            continue;
          }
          in.skip((int) length);
        }
        default -> {
          return null; // groups (unused by this message) or an invalid wire type
        }
      }
      if (in.malformed || tag >>> 3 == 0 || tag >>> 32 != 0) return null;
      restRanges.add(new int[] {fieldAt, in.at});
      restBytes += in.at - fieldAt;
    }
    if (in.malformed) return null;
    byte[] rest = new byte[restBytes];
    int filled = 0;
    for (int[] range : restRanges) {
      message.get(range[0], rest, filled, range[1] - range[0]);
      filled += range[1] - range[0];
    }
    return rest;
  }

  /** A position in a message's bytes; reading past the end marks it malformed instead of throwing. */
  private static final class Cursor {
    private final ByteBuffer bytes;
    private final int end;
    private int at;
    private boolean malformed;

    Cursor(ByteBuffer bytes) {
      this.bytes = bytes;
      this.at = bytes.position();
      this.end = bytes.limit();
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64 && at < end; shift += 7) {
        byte next = bytes.get(at++);
        value |= (long) (next & 0x7f) << shift;
        if (next >= 0) return value;
      }
      malformed = true;
      at = end;
      return 0;
    }

    void skip(int count) {
      if (count > end - at) {
        malformed = true;
        at = end;
      } else {
        at += count;
      }
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
