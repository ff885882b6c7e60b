package dev.nereid.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;

/**
 * Parses request messages so that their {@code bytes} fields alias one buffer holding the message
 * instead of being copied out of it. The stock protobuf marshaller copies each large field twice
 * (once out of the stream, once more defensively), which dominates the cost of big tensors; here the
 * message is read once into an array that nothing else can reach, and {@code raw_input_contents}
 * entries become views of it.
 */
public final class AliasingMarshaller<T extends MessageLite> implements MethodDescriptor.Marshaller<T> {
  private final MethodDescriptor.Marshaller<T> standard;
  private final Parser<T> parser;

  private AliasingMarshaller(MethodDescriptor.Marshaller<T> standard, Parser<T> parser) {
    this.standard = standard;
    this.parser = parser;
  }

  /**
   * A marshaller that writes as {@code standard} does and parses by aliasing. Also for a Java client's
   * responses: {@code method.toBuilder(method.getRequestMarshaller(), AliasingMarshaller.of(
   * method.getResponseMarshaller(), ModelInferResponse.parser())).build()} reads large
   * {@code raw_output_contents} without copying them twice.
   */
  public static <T extends MessageLite> AliasingMarshaller<T> of(MethodDescriptor.Marshaller<T> standard, Parser<T> parser) {
    return new AliasingMarshaller<>(standard, parser);
  }

  /** The service with every method whose request type is {@code requestType} parsed by aliasing. */
  @SuppressWarnings("unchecked")
  static <T extends MessageLite> ServerServiceDefinition apply(ServerServiceDefinition service, Class<T> requestType,
      Parser<T> parser) {
    return ServiceMethods.map(service, method -> {
      MethodDescriptor<?, ?> m = method.getMethodDescriptor();
      if (m.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
          && requestType.isInstance(p.getMessagePrototype())) {
        return withAliasing((ServerMethodDefinition<T, Object>) method, parser);
      }
      return method;
    });
  }

  private static <T extends MessageLite, R> ServerMethodDefinition<T, R> withAliasing(
      ServerMethodDefinition<T, R> method, Parser<T> parser) {
    MethodDescriptor<T, R> m = method.getMethodDescriptor();
    MethodDescriptor<T, R> aliased =
        m.toBuilder(new AliasingMarshaller<>(m.getRequestMarshaller(), parser), m.getResponseMarshaller()).build();
    return ServerMethodDefinition.create(aliased, method.getServerCallHandler());
  }

  @Override
  public InputStream stream(T value) {
    return standard.stream(value);
  }

  @Override
  public T parse(InputStream stream) {
    try {
      return parse(UnsafeByteOperations.unsafeWrap(readFully(stream)), parser);
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("cannot read the request message").withCause(e).asRuntimeException();
    }
  }

  /**
   * Parses a message whose {@code bytes} fields alias {@code message}, which nothing may change while
   * the parsed message is in use. A malformed message fails as grpc-java's own marshaller fails: INTERNAL
   * caused by the {@link InvalidProtocolBufferException} (which {@link MalformedMessages} answers).
   */
  static <T> T parse(ByteString message, Parser<T> parser) {
    try {
      // Protobuf aliases only buffers it is told are immutable, as this one is by the caller's word.
      CodedInputStream in = message.newCodedInput();
      in.enableAliasing(true);
      in.setSizeLimit(Integer.MAX_VALUE);
      return parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
    }
  }

  /** The stream's bytes, copied once when its length is known (as it is for gRPC's message streams). */
  static byte[] readFully(InputStream stream) throws IOException {
    if (!(stream instanceof KnownLength)) {
      return stream.readAllBytes();
    }
    byte[] message = new byte[stream.available()];
    int read = stream.readNBytes(message, 0, message.length);
    if (read != message.length || stream.read() != -1) {
      throw new IOException("message length changed while reading: expected " + message.length + " bytes");
    }
    return message;
  }
}
