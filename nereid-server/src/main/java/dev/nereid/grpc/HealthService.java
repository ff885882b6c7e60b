package dev.nereid.grpc;

import dev.nereid.Server;
import dev.nereid.grpc.proto.health.HealthCheckRequest;
import dev.nereid.grpc.proto.health.HealthCheckResponse;
import dev.nereid.grpc.proto.health.HealthGrpc;
import io.grpc.stub.StreamObserver;

/** {@code grpc.health.v1.Health/Check}: SERVING while the server is ready, for probes and load balancers. */
final class HealthService extends HealthGrpc.HealthImplBase {
  private final Server server;

  HealthService(Server server) {
    this.server = server;
  }

  @Override
  public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
    HealthCheckResponse.ServingStatus status = server.ready()
        ? HealthCheckResponse.ServingStatus.SERVING : HealthCheckResponse.ServingStatus.NOT_SERVING;
    out.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
    out.onCompleted();
  }
}
