package dev.nereid.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Rewrites the methods of a bound service: other marshallers, or a handler of our own. */
final class ServiceMethods {
  private ServiceMethods() {}

  /** The service with each method replaced by what {@code change} makes of it (itself to keep it). */
  static ServerServiceDefinition map(ServerServiceDefinition service, UnaryOperator<ServerMethodDefinition<?, ?>> change) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> replaced = change.apply(method);
      methods.add(replaced);
      descriptor.addMethod(replaced.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  /** The service with the method named {@code bareName} handled by {@code handler} on its message streams. */
  static ServerServiceDefinition handleStreams(ServerServiceDefinition service, String bareName,
      ServerCallHandler<InputStream, InputStream> handler) {
    return map(service, method -> {
      MethodDescriptor<?, ?> m = method.getMethodDescriptor();
      if (!bareName.equals(m.getBareMethodName())) return method;
      return ServerMethodDefinition.create(
          m.toBuilder(MalformedMessages.STREAMS, MalformedMessages.STREAMS).build(), handler);
    });
  }
}
