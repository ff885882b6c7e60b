package dev.nereid.grpc;

import dev.nereid.Server;
import dev.nereid.frontend.ErrorMessages;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.health.HealthCheckRequest;
import dev.nereid.grpc.proto.health.HealthCheckResponse;
import dev.nereid.grpc.proto.health.HealthGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Set;

/**
 * {@code grpc.health.v1.Health/Check}: SERVING while the server is ready, for probes and load
 * balancers. Knows the server as a whole (the empty name) and the services it serves; any other name
 * fails with NOT_FOUND, as the gRPC health checking protocol says.
 */
final class HealthService extends HealthGrpc.HealthImplBase {
  private static final Set<String> SERVICES =
      Set.of("", GRPCInferenceServiceGrpc.SERVICE_NAME, HealthGrpc.SERVICE_NAME);

  private final Server server;

  HealthService(Server server) {
    this.server = server;
  }

  @Override
  public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
    if (!SERVICES.contains(request.getService())) {
      out.onError(Status.NOT_FOUND.withDescription(ErrorMessages.cap("unknown service '" + request.getService() + "'"))
          .asRuntimeException());
      return;
    }
    HealthCheckResponse.ServingStatus status = server.ready()
        ? HealthCheckResponse.ServingStatus.SERVING : HealthCheckResponse.ServingStatus.NOT_SERVING;
    out.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
    out.onCompleted();
  }
}
