package dev.nereid.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Answers a message that is not valid protobuf with INVALID_ARGUMENT naming the parse error. grpc-java
 * parses before any interceptor sees the message and reports a failure as UNKNOWN "Application error";
 * so the service takes raw streams, is parsed inside the listener, and the failure is caught here.
 */
final class MalformedMessages implements ServerInterceptor {
  private MalformedMessages() {}

  /** The service with its requests parsed where a parse failure can be answered properly. */
  static ServerServiceDefinition guard(ServerServiceDefinition service) {
    return ServerInterceptors.intercept(ServerInterceptors.useInputStreamMessages(service), new MalformedMessages());
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
