package dev.nereid.bench.frontend;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.nereid.grpc.AliasingMarshaller;
import dev.nereid.grpc.proto.ModelInferResponse;
import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's response parser that copies nothing: it takes over the transport's buffers (grpc-java's
 * {@link Detachable} streams) and parses the message so that {@code raw_output_contents} are views of
 * them, as grpc-java documents for zero-copy reads. The buffers stay the client's until
 * {@link #releaseAll()}; a stream that cannot be detached is parsed as {@link AliasingMarshaller} does.
 * The most a Java client can save; the benchmark shows how far the server is from being the limit.
 */
final class DetachedResponses implements MethodDescriptor.Marshaller<ModelInferResponse> {
  private final MethodDescriptor.Marshaller<ModelInferResponse> fallback;
  private final List<InputStream> held = new ArrayList<>();

  DetachedResponses(MethodDescriptor.Marshaller<ModelInferResponse> standard) {
    this.fallback = AliasingMarshaller.of(standard, ModelInferResponse.parser());
  }

  @Override
  public InputStream stream(ModelInferResponse value) {
    return fallback.stream(value);
  }

  @Override
  public ModelInferResponse parse(InputStream stream) {
    if (!(stream instanceof Detachable d && stream instanceof HasByteBuffer h && h.byteBufferSupported())) {
      return fallback.parse(stream);
    }
    InputStream detached = d.detach();
    synchronized (held) {
      held.add(detached);
    }
    try {
      List<ByteString> pieces = new ArrayList<>();
      for (int left = detached.available(); left > 0; ) {
        ByteBuffer piece = ((HasByteBuffer) detached).getByteBuffer();
        int n = piece.remaining();
        pieces.add(UnsafeByteOperations.unsafeWrap(piece));
        detached.skipNBytes(n);
        left -= n;
      }
      CodedInputStream in = ByteString.copyFrom(pieces).newCodedInput(); // a rope of views, no bytes copied
      in.enableAliasing(true);
      in.setSizeLimit(Integer.MAX_VALUE);
      return ModelInferResponse.parser().parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("malformed response", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Gives the transport's buffers back: no response parsed so far may be read after this. */
  void releaseAll() {
    synchronized (held) {
      for (InputStream s : held) {
        try {
          s.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      held.clear();
    }
  }
}
