package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing is lost or answered twice, under load and across stop(). */
class ConcurrencyTest {
  @TempDir Path repo;

  private void model(String name, int instances, long delayMs) throws IOException {
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
        instance_group [ { kind: KIND_CPU count: %d } ]
        parameters { key: "execute_delay_ms" value { string_value: "%d" } }
        """.formatted(instances, delayMs));
  }

  @Test
  void sixtyFourThreadsTimesAThousandRequestsEachGetTheirOwnAnswer() throws Exception {
    model("echo", 2, 0);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      Model echo = server.model("echo");
      int threads = 64;
      int perThread = 1000;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          int ok = 0;
          for (int i = 0; i < perThread; i++) {
            long value = (long) thread * perThread + i;
            InferenceRequest request = InferenceRequest.builder().input("INPUT0", Tensor.of(new long[] {value})).build();
            long got;
            if (i % 2 == 0) {
              got = IdentityDataTypesTest.single(echo.infer(request)).output("OUTPUT0").toLongArray()[0];
            } else {
              got = echo.inferAsync(request).get(30, TimeUnit.SECONDS).output("OUTPUT0").toLongArray()[0];
            }
            if (got == value) ok++;
          }
          return ok;
        }));
      }
      int total = 0;
      for (Future<Integer> f : results) total += f.get(120, TimeUnit.SECONDS);
      pool.shutdown();

      assertThat(total).isEqualTo(threads * perThread);
      // Execution statistics are recorded when execute returns, just after the responses went out.
      TestRepository.await("every execution counted", java.time.Duration.ofSeconds(10),
          () -> echo.statistics().get(0).executionCount() == threads * perThread);
      ModelStatistics stats = echo.statistics().get(0);
      assertThat(stats.inferenceStats().success().count()).isEqualTo(threads * perThread);
      assertThat(stats.inferenceStats().fail().count()).isZero();
      assertThat(stats.executionCount()).isEqualTo(threads * perThread);
    }
  }

  @Test
  void stopWithAThousandRequestsInFlightReturnsWithinTheExitTimeoutAndAnswersEveryOne() throws Exception {
    model("slow", 1, 20);
    Server server = new Server(ServerOptions.builder().modelRepository(repo).exitTimeout(Duration.ofSeconds(1)).build())
        .start();
    int n = 1000;
    List<Terminal> terminals = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Terminal t = new Terminal();
      server.model("slow").inferStream(InferenceRequest.builder().input("INPUT0", Tensor.of(new long[] {i})).build())
          .subscribe(t);
      terminals.add(t);
    }
    long start = System.nanoTime();
    server.stop();
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    // One second of exit timeout, plus the grace for the instance thread to leave its current 20 ms call.
    assertThat(elapsedMs).isLessThan(3000);
    for (Terminal t : terminals) assertThat(t.done.await(5, TimeUnit.SECONDS)).isTrue();
    int completed = 0;
    int cancelled = 0;
    for (Terminal t : terminals) {
      assertThat(t.terminalSignals.get()).as("terminal signals").isEqualTo(1);
      assertThat(t.finals.get()).isLessThanOrEqualTo(1);
      if (t.error == null) {
        assertThat(t.finals.get()).isEqualTo(1);
        completed++;
      } else {
        assertThat(t.error).isInstanceOf(NereidException.Cancelled.class);
        cancelled++;
      }
    }
    assertThat(completed + cancelled).isEqualTo(n);
    assertThat(completed).isGreaterThan(0);
    assertThat(cancelled).isGreaterThan(0);
    assertThat(server.live()).isFalse();
  }

  @Test
  void aFullQueueIsRejectedAsUnavailableAndTheModelKeepsServing() throws Exception {
    model("busy", 1, 2_000);
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).defaultMaxQueueSize(2).build()).start()) {
      Model busy = server.model("busy");
      // One instance busy for 2 s and a queue of 2: of 10 submissions made within that time, at most
      // 3 can be accepted (one running, two queued). Two seconds, not less: on a loaded CI machine ten
      // submissions once took longer than 300 ms, and the first request was done before the last came.
      List<CompletableFuture<InferenceResponse>> accepted = new ArrayList<>();
      int rejected = 0;
      for (int i = 0; i < 10; i++) {
        CompletableFuture<InferenceResponse> f = busy.inferAsync(InferenceRequest.of(Map.of("INPUT0", new long[] {i})));
        if (f.isCompletedExceptionally()) {
          assertThat(f).failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
              .havingCause().isInstanceOf(NereidException.Unavailable.class)
              .withMessageContaining("model 'busy'").withMessageContaining("queue is full");
          rejected++;
        } else {
          accepted.add(f);
        }
      }
      assertThat(rejected).isGreaterThanOrEqualTo(7);
      for (CompletableFuture<InferenceResponse> f : accepted) {
        assertThat(f.get(10, TimeUnit.SECONDS).isFinal()).isTrue();
      }
      assertThat(server.metrics())
          .contains("nv_inference_request_failure{model=\"busy\",reason=\"REJECTED\",version=\"1\"} " + rejected);
      assertThat(IdentityDataTypesTest.single(busy.infer(Map.of("INPUT0", new long[] {42}))).output("OUTPUT0").toLongArray())
          .containsExactly(42);
    }
  }

  @Test
  void metricsAndStatisticsCountRequests() throws Exception {
    model("counted", 1, 0);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      for (int i = 0; i < 5; i++) {
        IdentityDataTypesTest.single(server.model("counted").infer(Map.of("INPUT0", new long[] {i})));
      }
      // Counted before each answer went out: a caller reading the statistics after its answer sees its execution.
      assertThat(server.model("counted").statistics().get(0).executionCount()).isEqualTo(5);
      String metrics = server.metrics();
      assertThat(metrics).contains("nv_inference_request_success{model=\"counted\",version=\"1\"} 5");
      assertThat(metrics).contains("nv_inference_count{model=\"counted\",version=\"1\"} 5");
      assertThat(metrics).contains("nv_inference_exec_count{model=\"counted\",version=\"1\"} 5");
      assertThat(metrics).contains("nv_inference_pending_request_count{model=\"counted\",version=\"1\"} 0");
      assertThat(metrics).containsPattern("nv_inference_request_duration_us\\{model=\"counted\",version=\"1\"} [0-9.]+");
      ModelStatistics s = server.model("counted").statistics().get(0);
      assertThat(s.inferenceCount()).isEqualTo(5);
      assertThat(s.batchStats()).singleElement().satisfies(b -> {
        assertThat(b.batchSize()).isEqualTo(1);
        assertThat(b.computeInfer().count()).isEqualTo(5);
      });
      assertThat(s.lastInference()).isPositive();

      MetricFamily family = server.metricFamily(MetricFamily.Kind.COUNTER, "app_tokens", "Tokens seen", "model");
      family.metric("counted").increment(3);
      MetricFamily gauge = server.metricFamily(MetricFamily.Kind.GAUGE, "app_queue_depth", "Depth", "queue");
      gauge.metric("main").set(7);
      assertThat(family.metric("counted").value()).isEqualTo(3);
      // Triton's text: a counter under the name it was given (with or without "_total"), whole numbers bare.
      MetricFamily named = server.metricFamily(MetricFamily.Kind.COUNTER, "app_calls_total", "Calls", "model");
      named.metric("counted").increment(2.5);
      assertThat(server.metrics()).contains("# TYPE app_tokens counter\napp_tokens{model=\"counted\"} 3\n")
          .contains("# TYPE app_calls_total counter\napp_calls_total{model=\"counted\"} 2.5\n")
          .contains("# TYPE app_queue_depth gauge\napp_queue_depth{queue=\"main\"} 7\n")
          .contains("# TYPE nv_inference_request_success counter\n")
          .containsPattern("nv_inference_count\\{model=\"[a-z_]+\",version=\"1\"} [0-9]+\n")
          .doesNotContain("_total{model=\"counted\"} 3");
      MetricFamily sizes = server.metricFamily(MetricFamily.Kind.HISTOGRAM, "app_prompt_tokens", "Prompt sizes", "model");
      MetricFamily.Metric histogram = sizes.histogram(List.of(16.0, 256.0), "counted");
      histogram.observe(10);
      histogram.observe(300);
      assertThat(server.metrics()).contains("# TYPE app_prompt_tokens histogram\n")
          .contains("app_prompt_tokens_bucket{model=\"counted\",le=\"16\"} 1\n")
          .contains("app_prompt_tokens_bucket{model=\"counted\",le=\"256\"} 1\n")
          .contains("app_prompt_tokens_bucket{model=\"counted\",le=\"+Inf\"} 2\n")
          .contains("app_prompt_tokens_sum{model=\"counted\"} 310\n")
          .contains("app_prompt_tokens_count{model=\"counted\"} 2\n");
      assertThatThrownBy(() -> sizes.metric("counted")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessage("metric family 'app_prompt_tokens' is a histogram: its metrics need bucket bounds");
      assertThatThrownBy(() -> sizes.histogram(List.of(1.0), "other")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("has bucket bounds [16.0, 256.0]");
      assertThatThrownBy(histogram::value).isInstanceOf(NereidException.InvalidArgument.class);
    }
  }

  /** Counts the terminal signals of one request's stream. */
  static final class Terminal implements Flow.Subscriber<InferenceResponse> {
    final AtomicInteger terminalSignals = new AtomicInteger();
    final AtomicInteger finals = new AtomicInteger();
    final CountDownLatch done = new CountDownLatch(1);
    final Map<String, Object> seen = new ConcurrentHashMap<>();
    volatile Throwable error;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(InferenceResponse r) {
      if (r.isFinal()) finals.incrementAndGet();
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      terminalSignals.incrementAndGet();
      done.countDown();
    }

    @Override
    public void onComplete() {
      terminalSignals.incrementAndGet();
      done.countDown();
    }
  }
}
