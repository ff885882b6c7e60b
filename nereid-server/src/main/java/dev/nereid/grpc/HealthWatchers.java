package dev.nereid.grpc;

import dev.nereid.grpc.proto.health.HealthCheckResponse;
import dev.nereid.grpc.proto.health.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The open {@code grpc.health.v1.Health/Watch} streams: each gets its service's status at once and
 * again whenever it changes, until the client cancels or the front end stops.
 *
 * <p>The core has no readiness events (readiness follows every model's state), so while any stream is
 * open the status is sampled on one of the front end's event loops every {@link #PERIOD_MS} ms and
 * sent only when it differs from the last one that stream got. With no stream open nothing runs.
 * {@link #close()} sends NOT_SERVING and ends every stream with UNAVAILABLE, so that a graceful
 * shutdown does not wait on streams that never end by themselves.
 */
final class HealthWatchers implements AutoCloseable {
  /** How often the status is sampled while a stream is open: a probe's reaction time, not a hot path. */
  static final long PERIOD_MS = 100;

  private final Function<String, ServingStatus> statusOf;
  private final ScheduledExecutorService scheduler;
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  private ScheduledFuture<?> sampling; // guarded by this
  private boolean closed; // guarded by this

  /**
   * @param statusOf the current status of a service name (SERVICE_UNKNOWN for names not served)
   * @param scheduler where the sampling runs; it must not block
   */
  HealthWatchers(Function<String, ServingStatus> statusOf, ScheduledExecutorService scheduler) {
    this.statusOf = statusOf;
    this.scheduler = scheduler;
  }

  /** Opens a stream for {@code service}: its status now, then each change. */
  void watch(String service, StreamObserver<HealthCheckResponse> out) {
    Watcher watcher = new Watcher(service, (ServerCallStreamObserver<HealthCheckResponse>) out);
    watcher.observer.setOnCancelHandler(() -> forget(watcher));
    synchronized (this) {
      if (closed) {
        watcher.end(stoppingStatus(service));
        return;
      }
      watchers.add(watcher);
      if (sampling == null) {
        sampling = scheduler.scheduleWithFixedDelay(this::sample, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
      }
    }
    watcher.send(statusOf.apply(service));
  }

  /** Sends NOT_SERVING to every stream (SERVICE_UNKNOWN stays) and ends it; later watches end at once. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (sampling != null) {
        sampling.cancel(false);
        sampling = null;
      }
    }
    for (Watcher watcher : watchers) {
      watcher.end(stoppingStatus(watcher.service));
    }
    watchers.clear();
  }

  private ServingStatus stoppingStatus(String service) {
    ServingStatus now = statusOf.apply(service);
    return now == ServingStatus.SERVICE_UNKNOWN ? now : ServingStatus.NOT_SERVING;
  }

  private void sample() {
    for (Watcher watcher : watchers) {
      watcher.send(statusOf.apply(watcher.service));
    }
  }

  private void forget(Watcher watcher) {
    watchers.remove(watcher);
    synchronized (this) {
      if (watchers.isEmpty() && sampling != null) {
        sampling.cancel(false);
        sampling = null;
      }
    }
  }

  /** One stream; sends are serialised because the loop, the call's thread and close() all send. */
  private static final class Watcher {
    final String service;
    final ServerCallStreamObserver<HealthCheckResponse> observer;
    private ServingStatus last; // guarded by this
    private boolean ended; // guarded by this

    Watcher(String service, ServerCallStreamObserver<HealthCheckResponse> observer) {
      this.service = service;
      this.observer = observer;
    }

    synchronized void send(ServingStatus status) {
      if (ended || status == last || observer.isCancelled()) return;
      last = status;
      observer.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
    }

    synchronized void end(ServingStatus finalStatus) {
      if (ended || observer.isCancelled()) return;
      send(finalStatus);
      ended = true;
      observer.onError(Status.UNAVAILABLE.withDescription("Server is shutting down").asRuntimeException());
    }
  }
}
