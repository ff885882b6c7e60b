package dev.nereid.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Makes the metadata of a {@code ModelStreamInfer} call visible to the stream's handler, which the
 * generated service gives none: tracing reads a W3C {@code traceparent} there. Other calls pass
 * untouched, so unary inference pays nothing for it.
 */
final class StreamHeaders implements ServerInterceptor {
  /** The calling stream's metadata, while its handler starts. */
  static final Context.Key<Metadata> CURRENT = Context.key("nereid-stream-metadata");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!"ModelStreamInfer".equals(call.getMethodDescriptor().getBareMethodName())) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(CURRENT, headers), call, headers, next);
  }
}
