package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import dev.nereid.testing.javamodels.ThreadRecordingModel;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server's own lifecycle: start, stop, restart, liveness, readiness and metadata. */
class ServerLifecycleTest {
  @TempDir Path repo;

  @Test
  void everyCallBeforeStartFailsWithServerNotStarted() {
    new TestRepository(repo).identityModel("a");
    Server server = new Server(ServerOptions.of(repo));
    ThrowingCallable[] calls = {
        server::metadata, server::models, () -> server.models(ModelFilter.READY), () -> server.model("a"),
        () -> server.model("a", 1), () -> server.awaitReady(Duration.ofSeconds(10)),
        () -> server.load("a"), () -> server.load("a", Map.of()), () -> server.unload("a"),
        () -> server.unload("a", UnloadOption.WAIT), () -> server.registerModelRepository(repo, Map.of()),
        () -> server.unregisterModelRepository(repo), server::pollModelRepository, server::metrics};
    for (ThrowingCallable call : calls) {
      assertThatThrownBy(call).isInstanceOf(NereidException.InvalidArgument.class).hasMessage("Server not started");
    }
    assertThat(server.live()).isFalse();
    assertThat(server.ready()).isFalse();
    server.stop(); // stopping a server that never started does nothing
  }

  @Test
  void modelHandleFromAStoppedServerFailsClearly() {
    new TestRepository(repo).identityModel("a");
    Server server = new Server(ServerOptions.of(repo)).start();
    Model a = server.model("a");
    server.stop();
    assertThatThrownBy(() -> TestRepository.echo(a, 1f)).isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("Server not started");
    assertThatThrownBy(a::state).isInstanceOf(NereidException.InvalidArgument.class);
  }

  @Test
  void startTwiceIsAnError() {
    new TestRepository(repo).identityModel("a");
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThatThrownBy(server::start).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("already started");
      assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
    }
  }

  @Test
  void stopThenStartAgainServesAgain() {
    new TestRepository(repo).identityModel("a");
    Server server = new Server(ServerOptions.of(repo)).start();
    assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
    server.stop();
    assertThat(server.live()).isFalse();
    server.stop();
    new TestRepository(repo).identityModel("b");
    server.start();
    try (server) {
      assertThat(server.live()).isTrue();
      assertThat(TestRepository.echo(server.model("a"), 2f)).containsExactly(2f);
      assertThat(TestRepository.echo(server.model("b"), 3f)).containsExactly(3f);
      // The new run starts its statistics afresh (recorded just after the response is sent).
      TestRepository.await("one request counted", Duration.ofSeconds(10),
          () -> server.model("a").statistics().get(0).inferenceCount() == 1);
    }
  }

  @Test
  void readyOnlyWhenEveryModelLoaded() {
    TestRepository r = new TestRepository(repo).identityModel("a").model("broken", "backend: \"nope\"", 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.live()).isTrue();
      assertThat(server.ready()).isFalse();
    }
    r.writeConfig("broken", TestRepository.IDENTITY);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.live()).isTrue();
      assertThat(server.ready()).isTrue();
      assertThat(server.model("a").ready()).isTrue();
    }
  }

  @Test
  void startWaitingForReadyTimesOutWhenAModelFails() {
    new TestRepository(repo).identityModel("a").model("broken", "backend: \"nope\"", 1);
    Server server = new Server(ServerOptions.of(repo));
    assertThatThrownBy(() -> server.start().awaitReady(Duration.ofMillis(100)))
        .isInstanceOf(NereidException.Unavailable.class)
        .hasMessage("Timeout before ready");
    try (server) {
      assertThat(server.live()).isTrue();
    }
  }

  @Test
  void startWaitingForReadyReturnsReady() {
    new TestRepository(repo).identityModel("a");
    try (Server server = new Server(ServerOptions.of(repo)).start().awaitReady(Duration.ofSeconds(10))) {
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void metadataNamesTheServer() {
    new TestRepository(repo).identityModel("a");
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      ServerMetadata metadata = server.metadata();
      assertThat(metadata.name()).isEqualTo("triton");
      assertThat(metadata.version()).isNotBlank();
      assertThat(metadata.extensions()).contains("model_repository", "model_configuration", "statistics");
    }
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).serverId("edge-7").build()).start()) {
      assertThat(server.metadata().name()).isEqualTo("edge-7");
    }
  }

  @Test
  void noRepositoryIsInvalidArgument() {
    assertThatThrownBy(() -> new Server(ServerOptions.builder().build()).start())
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("model repository");
  }

  @Test
  void emptyRepositoryStartsReadyWithNoModels() {
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.models()).isEmpty();
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void moreModelsThanLoadThreadsAllLoad() {
    TestRepository r = new TestRepository(repo);
    for (int i = 0; i < 8; i++) r.identityModel("m" + i);
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).modelLoadThreadCount(3).build()).start()) {
      assertThat(server.models(ModelFilter.READY)).hasSize(8);
      assertThat(server.ready()).isTrue();
    }
  }

  private static final String SLOW = "parameters { key: \"execute_delay_ms\" value { string_value: \"%d\" } }";

  @Test
  @Timeout(20)
  void stopLetsARequestInFlightFinishWithinTheExitTimeout() throws Exception {
    new TestRepository(repo).model("slow", TestRepository.identity(SLOW.formatted(300)), 1);
    Server server = new Server(ServerOptions.builder().modelRepository(repo).exitTimeout(Duration.ofSeconds(10)).build())
        .start();
    var pending = server.model("slow").inferAsync(InferenceRequest.of(Map.of("INPUT0", Tensor.of(new float[] {5f}, 1))));
    server.stop();
    assertThat(pending).isCompleted();
    assertThat(pending.get().output("OUTPUT0").toFloatArray()).containsExactly(5f);
  }

  @Test
  @Timeout(30)
  void stopLetsAnEnsembleInFlightRunItsLaterStepsAsTritonDoes() throws Exception {
    // The second step's model has nothing in flight when the stop begins; it must still serve the step
    // the ensemble submits once the first one is done.
    new TestRepository(repo).model("slow", TestRepository.identity(SLOW.formatted(400)), 1)
        .model("after", TestRepository.IDENTITY, 1)
        .model("pipeline", Ensembles.ensemble(Ensembles.FP32_IO,
            "slow: INPUT0=IN -> OUTPUT0=MID", "after: INPUT0=MID -> OUTPUT0=OUT"), 1);
    Server server = new Server(ServerOptions.builder().modelRepository(repo).exitTimeout(Duration.ofSeconds(20)).build())
        .start();
    var pending = server.model("pipeline").inferAsync(InferenceRequest.of(Map.of("IN", Tensor.of(new float[] {5f}, 1))));
    server.stop();
    assertThat(pending).isCompleted();
    assertThat(pending.get().output("OUT").toFloatArray()).containsExactly(5f);
    assertThat(server.live()).isFalse();
    assertThatThrownBy(() -> server.model("after").state()).isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("Server not started");
  }

  @Test
  @Timeout(20)
  void stopCancelsARequestThatOutlastsTheExitTimeout() {
    new TestRepository(repo).model("slow", TestRepository.identity(SLOW.formatted(5_000)), 1);
    Server server = new Server(ServerOptions.builder().modelRepository(repo).exitTimeout(Duration.ofMillis(100)).build())
        .start();
    var pending = server.model("slow").inferAsync(InferenceRequest.of(Map.of("INPUT0", Tensor.of(new float[] {5f}, 1))));
    server.stop();
    assertThat(pending).isCompletedExceptionally();
    assertThatThrownBy(pending::join).hasCauseInstanceOf(NereidException.Cancelled.class);
  }

  @Test
  @Timeout(20)
  void stopAnswersAnEnsembleRequestWhoseStepOutlastsTheExitTimeoutExactlyOnce() throws Exception {
    // The ensemble's request outlives its own execution (its step runs on): a stop must still find it
    // to answer it when the exit timeout runs out, and answer it once.
    new TestRepository(repo).model("held", JavaModels.config(ThreadRecordingModel.class, """
            input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
            output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] }, { name: "THREAD" data_type: TYPE_STRING dims: [ 1 ] } ]
            """), 1)
        .model("slow_pipeline", Ensembles.ensemble(Ensembles.FP32_IO, "held: X=IN -> Y=OUT"), 1);
    Server server = new Server(ServerOptions.builder().modelRepository(repo).exitTimeout(Duration.ofMillis(100)).build())
        .start();
    java.util.concurrent.atomic.AtomicInteger responses = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger ends = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CompletableFuture<Throwable> error = new java.util.concurrent.CompletableFuture<>();
    server.model("slow_pipeline").inferStream(InferenceRequest.of(Map.of("IN", new float[] {-1f})))
        .subscribe(new java.util.concurrent.Flow.Subscriber<InferenceResponse>() {
          @Override
          public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(InferenceResponse r) {
            responses.incrementAndGet();
          }

          @Override
          public void onError(Throwable t) {
            ends.incrementAndGet();
            error.complete(t);
          }

          @Override
          public void onComplete() {
            ends.incrementAndGet();
            error.complete(null);
          }
        });
    try {
      // The step holds its request (-1 makes it wait for the gate), long past the exit timeout.
      ThreadRecordingModel.held();
      server.stop();
      assertThat(error.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(NereidException.Cancelled.class);
    } finally {
      ThreadRecordingModel.open();
    }
    assertThat(responses.get()).isZero();
    assertThat(ends.get()).isEqualTo(1);
  }
}
