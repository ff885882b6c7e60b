package dev.nereid.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;

/**
 * Answers a message that is not valid protobuf with INVALID_ARGUMENT naming the parse error. grpc-java
 * parses before any interceptor sees the message and reports a failure as UNKNOWN "Application error";
 * so the service takes raw streams, is parsed inside the listener, and the failure is caught here.
 */
final class MalformedMessages implements ServerInterceptor {
  private MalformedMessages() {}

  /**
   * Hands messages through as the streams they are. Not grpc-java's {@code useInputStreamMessages}:
   * that one wraps every stream it cannot mark in a buffered copy, responses included, so a response
   * lost its zero-copy path into the transport ({@code Drainable}) and a 64 MiB response was
   * serialised into a fresh array and then copied twice more.
   */
  static final MethodDescriptor.Marshaller<InputStream> STREAMS = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream; // read at once, inside onMessage, by the service's own marshaller
    }
  };

  /** The service with its requests parsed where a parse failure can be answered properly. */
  static ServerServiceDefinition guard(ServerServiceDefinition service) {
    return ServerInterceptors.intercept(ServerInterceptors.useMarshalledMessages(service, STREAMS), new MalformedMessages());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      private boolean failed;

      @Override
      public void onMessage(Q message) {
        if (failed) return;
        try {
          super.onMessage(message);
        } catch (StatusRuntimeException e) {
          if (!(e.getCause() instanceof InvalidProtocolBufferException parse)) throw e;
          failed = true;
          call.close(Status.INVALID_ARGUMENT.withDescription("malformed " + call.getMethodDescriptor().getBareMethodName()
              + " request: " + parse.getMessage()), new Metadata());
        }
      }

      @Override
      public void onHalfClose() {
        if (!failed) super.onHalfClose();
      }

      @Override
      public void onReady() {
        if (!failed) super.onReady();
      }
    };
  }
}
