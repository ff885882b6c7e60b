package dev.nereid.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.nereid.grpc.proto.ModelInferResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A {@code ModelInferResponse} as the message stream grpc-java writes to the wire: the fields other
 * than {@code raw_output_contents} serialised as protobuf does, then each output's bytes copied from
 * the tensor's memory into the transport's buffers. Protobuf's own writer moves a direct buffer through
 * a 4 KiB array, and grpc-java's transport takes only arrays, so a tensor in direct memory goes through
 * one reused chunk here; a heap tensor is written as it is. The bytes are those of the whole message in
 * field order, so any client parses them as usual. Drained once, on the thread that sends the message;
 * the tensors must stay valid until then.
 */
final class ResponseStream extends InputStream implements Drainable, KnownLength {
  /** Field 6, length-delimited. */
  private static final int RAW_OUTPUT_CONTENTS_TAG = (6 << 3) | 2;
  private static final int CHUNK = 64 * 1024;

  private final ModelInferResponse header;
  private final List<ByteBuffer> raw;
  private final int length;
  private int left;
  private InputStream materialised;

  ResponseStream(ModelInferResponse header, List<ByteBuffer> raw) {
    this.header = header;
    this.raw = raw;
    long total = header.getSerializedSize();
    for (ByteBuffer b : raw) {
      total += CodedOutputStream.computeTagSize(6) + CodedOutputStream.computeUInt32SizeNoTag(b.remaining()) + b.remaining();
    }
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("response of " + total + " bytes exceeds gRPC's message size limit");
    }
    this.length = (int) total;
    this.left = length;
  }

  @Override
  public int drainTo(OutputStream target) throws IOException {
    if (materialised != null) {
      int n = left;
      materialised.transferTo(target);
      left = 0;
      return n;
    }
    writeAll(target);
    int n = left;
    left = 0;
    return n;
  }

  private void writeAll(OutputStream target) throws IOException {
    header.writeTo(target);
    byte[] chunk = null;
    byte[] prefix = new byte[1 + 5];
    for (ByteBuffer b : raw) {
      ByteBuffer data = b.duplicate();
      CodedOutputStream prefixOut = CodedOutputStream.newInstance(prefix);
      prefixOut.writeUInt32NoTag(RAW_OUTPUT_CONTENTS_TAG);
      prefixOut.writeUInt32NoTag(data.remaining());
      target.write(prefix, 0, prefixOut.getTotalBytesWritten());
      if (data.hasArray()) {
        target.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
        continue;
      }
      if (chunk == null) chunk = new byte[Math.min(CHUNK, Math.max(data.remaining(), 1))];
      while (data.hasRemaining()) {
        int n = Math.min(chunk.length, data.remaining());
        data.get(chunk, 0, n);
        target.write(chunk, 0, n);
      }
    }
  }

  /** For a reader that does not drain: the whole message in one array, made on first read. */
  private InputStream materialised() throws IOException {
    if (materialised == null) {
      ByteArrayOutputStream all = new ByteArrayOutputStream(length);
      writeAll(all);
      materialised = new ByteArrayInputStream(all.toByteArray());
    }
    return materialised;
  }

  @Override
  public int read() throws IOException {
    int b = materialised().read();
    if (b >= 0) left--;
    return b;
  }

  @Override
  public int read(byte[] into, int offset, int count) throws IOException {
    int n = materialised().read(into, offset, count);
    if (n > 0) left -= n;
    return n;
  }

  @Override
  public int available() {
    return left;
  }
}
