package dev.nereid.grpc;

import dev.nereid.Server;
import dev.nereid.frontend.ErrorMessages;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.health.HealthCheckRequest;
import dev.nereid.grpc.proto.health.HealthCheckResponse;
import dev.nereid.grpc.proto.health.HealthCheckResponse.ServingStatus;
import dev.nereid.grpc.proto.health.HealthGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code grpc.health.v1.Health}: SERVING while the server is ready, for probes and load balancers.
 * Knows the server as a whole (the empty name) and the services it serves. {@code Check} fails with
 * NOT_FOUND for any other name and {@code Watch} answers SERVICE_UNKNOWN, as the gRPC health checking
 * protocol says. {@code Watch} streams each change: NOT_SERVING while a model is loading or failed,
 * and when the server or this front end stops.
 */
final class HealthService extends HealthGrpc.HealthImplBase implements AutoCloseable {
  private static final Set<String> SERVICES =
      Set.of("", GRPCInferenceServiceGrpc.SERVICE_NAME, HealthGrpc.SERVICE_NAME);

  private final Server server;
  private final HealthWatchers watchers;

  /**
   * @param scheduler where open {@code Watch} streams sample the status; it must not block
   */
  HealthService(Server server, ScheduledExecutorService scheduler) {
    this.server = server;
    this.watchers = new HealthWatchers(this::statusOf, scheduler);
  }

  @Override
  public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
    ServingStatus status = statusOf(request.getService());
    if (status == ServingStatus.SERVICE_UNKNOWN) {
      out.onError(Status.NOT_FOUND.withDescription(ErrorMessages.cap("unknown service '" + request.getService() + "'"))
          .asRuntimeException());
      return;
    }
    out.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
    out.onCompleted();
  }

  @Override
  public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
    watchers.watch(request.getService(), out);
  }

  /** Ends every open {@code Watch} stream with NOT_SERVING; the front end is stopping. */
  @Override
  public void close() {
    watchers.close();
  }

  private ServingStatus statusOf(String service) {
    if (!SERVICES.contains(service)) return ServingStatus.SERVICE_UNKNOWN;
    return server.ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }
}
