package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ModelControlMode;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.ModelRepositoryParameter;
import dev.nereid.grpc.proto.RepositoryModelLoadRequest;
import dev.nereid.grpc.proto.health.HealthCheckRequest;
import dev.nereid.grpc.proto.health.HealthCheckResponse;
import dev.nereid.grpc.proto.health.HealthCheckResponse.ServingStatus;
import dev.nereid.grpc.proto.health.HealthGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grpc.health.v1.Health/Watch} through grpc-java's own client: the status at once, then each
 * change as the server's readiness changes, SERVICE_UNKNOWN for names the server does not serve, and
 * NOT_SERVING followed by the end of the stream when the server or the front end stops.
 */
class GrpcHealthWatchTest {
  /** Long enough for a loaded machine; a test only waits this long when it is about to fail. */
  private static final long EVENT_TIMEOUT_S = 60;
  private static final String ECHO_CONFIG = """
      {"backend": "identity", "max_batch_size": 0,
       "input": [{"name": "INPUT0", "data_type": "TYPE_INT32", "dims": [4]}],
       "output": [{"name": "OUTPUT0", "data_type": "TYPE_INT32", "dims": [4]}]}""";

  @TempDir Path repository;
  private GrpcFixture fx;

  @BeforeEach
  void start() throws IOException {
    Path broken = repository.resolve("broken");
    Files.createDirectories(broken.resolve("1"));
    Files.writeString(broken.resolve("config.pbtxt"), "name: \"broken\"\nbackend: \"no_such_backend\"\n");
    fx = GrpcFixture.start(ServerOptions.builder()
        .modelRepository(repository)
        .modelControlMode(ModelControlMode.EXPLICIT)
        .build(), o -> o);
  }

  @AfterEach
  void stop() throws InterruptedException {
    fx.close();
  }

  @Test
  void aWatchGetsTheStatusAtOnceAndThenEachChange() throws InterruptedException {
    Watch server = watch("");
    Watch inference = watch("inference.GRPCInferenceService");
    assertThat(server.next()).isEqualTo(ServingStatus.SERVING);
    assertThat(inference.next()).isEqualTo(ServingStatus.SERVING);

    // A model that fails to load makes the server not ready (as ServerReady and Check say too).
    assertThatThrownBy(() -> fx.blocking.repositoryModelLoad(
        RepositoryModelLoadRequest.newBuilder().setModelName("broken").build()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(server.next()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(inference.next()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(fx.health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.NOT_SERVING);

    // Loading it again with a working config makes it ready again.
    fx.blocking.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
        .setModelName("broken")
        .putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam(ECHO_CONFIG).build())
        .build());
    assertThat(server.next()).isEqualTo(ServingStatus.SERVING);
    assertThat(inference.next()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void anUnknownServiceIsServiceUnknownAndItsStreamStaysOpen() throws InterruptedException {
    Watch unknown = watch("no.such.Service");
    assertThat(unknown.next()).isEqualTo(ServingStatus.SERVICE_UNKNOWN);
    // A later call on the same connection is answered while the stream is still open.
    Watch known = watch("");
    assertThat(known.next()).isEqualTo(ServingStatus.SERVING);
    assertThat(unknown.events).isEmpty();

    fx.frontend.close();
    assertThat(known.next()).isEqualTo(ServingStatus.NOT_SERVING);
    known.assertEndedUnavailable();
    // SERVICE_UNKNOWN does not turn into NOT_SERVING: the name is still not a service.
    unknown.assertEndedUnavailable();
  }

  @Test
  void stoppingTheFrontEndSendsNotServingAndEndsTheStream() throws InterruptedException {
    Watch watch = watch("grpc.health.v1.Health");
    assertThat(watch.next()).isEqualTo(ServingStatus.SERVING);
    fx.frontend.close(); // returns: an open watch does not hold up a graceful shutdown
    assertThat(watch.next()).isEqualTo(ServingStatus.NOT_SERVING);
    watch.assertEndedUnavailable();
  }

  @Test
  void stoppingTheServerIsNotServing() throws InterruptedException {
    Watch watch = watch("");
    assertThat(watch.next()).isEqualTo(ServingStatus.SERVING);
    fx.server.stop();
    assertThat(watch.next()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(fx.health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.NOT_SERVING);
  }

  @Test
  void aCancelledWatchIsForgotten() throws Exception {
    Context.CancellableContext context = Context.current().withCancellation();
    Watch cancelled = context.wrap(() -> watch("")).call();
    assertThat(cancelled.next()).isEqualTo(ServingStatus.SERVING);
    context.cancel(null);
    assertThat(cancelled.ending()).extracting(Status::getCode).isEqualTo(Status.Code.CANCELLED);
    // The server keeps serving other watches after a client went away.
    Watch other = watch("");
    assertThat(other.next()).isEqualTo(ServingStatus.SERVING);
    fx.server.stop();
    assertThat(other.next()).isEqualTo(ServingStatus.NOT_SERVING);
  }

  private Watch watch(String service) {
    Watch watch = new Watch();
    HealthGrpc.newStub(fx.channel).watch(HealthCheckRequest.newBuilder().setService(service).build(), watch);
    return watch;
  }

  /** What one Watch stream delivered, in order: statuses, then a Status when it ended. */
  private static final class Watch implements StreamObserver<HealthCheckResponse> {
    final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

    @Override
    public void onNext(HealthCheckResponse value) {
      events.add(value.getStatus());
    }

    @Override
    public void onError(Throwable t) {
      events.add(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      events.add(Status.OK);
    }

    ServingStatus next() throws InterruptedException {
      Object event = events.poll(EVENT_TIMEOUT_S, TimeUnit.SECONDS);
      assertThat(event).as("the next status on the stream").isInstanceOf(ServingStatus.class);
      return (ServingStatus) event;
    }

    Status ending() throws InterruptedException {
      Object event = events.poll(EVENT_TIMEOUT_S, TimeUnit.SECONDS);
      assertThat(event).as("the end of the stream").isInstanceOf(Status.class);
      return (Status) event;
    }

    void assertEndedUnavailable() throws InterruptedException {
      Status status = ending();
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).isEqualTo("Server is shutting down");
    }
  }
}
