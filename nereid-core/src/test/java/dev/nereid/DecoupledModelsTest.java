package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Triton's repeat and square models: response counts, order, interleaving, streaming forms. */
class DecoupledModelsTest {
  private static Server server;

  @BeforeAll
  static void start() {
    server = new Server(ServerOptions.of(HelloWorldTest.EXAMPLES)).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  static InferenceRequest repeat(int[] in, int[] delayMs, int waitMs) {
    return InferenceRequest.builder()
        .input("IN", Tensor.of(in))
        .input("DELAY", Tensor.of(DataType.UINT32, delayMs))
        .input("WAIT", Tensor.of(DataType.UINT32, new int[] {waitMs}))
        .build();
  }

  @Test
  void repeatSendsOneResponsePerElementInOrderThenAFinalFlag() {
    List<InferenceResponse> responses = new ArrayList<>();
    server.model("repeat_int32").infer(repeat(new int[] {4, 2, 0, 7}, new int[] {1, 1, 1, 1}, 0)).forEach(responses::add);

    assertThat(responses).hasSize(5);
    for (int i = 0; i < 4; i++) {
      assertThat(responses.get(i).isFinal()).isFalse();
      assertThat(responses.get(i).output("IDX").toIntArray()).containsExactly(i);
    }
    assertThat(responses.subList(0, 4)).extracting(r -> r.output("OUT").toIntArray()[0]).containsExactly(4, 2, 0, 7);
    assertThat(responses.get(4).isFinal()).isTrue();
    assertThat(responses.get(4).outputs()).isEmpty();
  }

  @Test
  void emptyRepeatSendsOnlyTheFinalFlag() {
    List<InferenceResponse> responses = new ArrayList<>();
    server.model("repeat_int32").infer(repeat(new int[0], new int[0], 0)).forEach(responses::add);
    assertThat(responses).singleElement().satisfies(r -> {
      assertThat(r.isFinal()).isTrue();
      assertThat(r.outputs()).isEmpty();
    });
  }

  @Test
  void responsesOfTwoRequestsInterleaveOnOneInstance() throws Exception {
    // Request A: 3 responses 40 ms apart, instance released at once; request B starts meanwhile.
    List<String> arrivals = new CopyOnWriteArrayList<>();
    Flow.Publisher<InferenceResponse> a = server.model("repeat_int32").inferStream(repeat(new int[] {1, 1, 1}, new int[] {40, 40, 40}, 0));
    Flow.Publisher<InferenceResponse> b = server.model("repeat_int32").inferStream(repeat(new int[] {2, 2, 2}, new int[] {10, 40, 40}, 0));
    CountDownLatch done = new CountDownLatch(2);
    a.subscribe(new Collector("A", arrivals, done));
    b.subscribe(new Collector("B", arrivals, done));
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(arrivals).filteredOn(s -> s.startsWith("A")).hasSize(4);
    assertThat(arrivals).filteredOn(s -> s.startsWith("B")).hasSize(4);
    int firstB = arrivals.indexOf("B:2");
    int lastA = arrivals.lastIndexOf("A:1");
    assertThat(firstB).as("B's first response arrives before A's last: %s", arrivals).isLessThan(lastA);
  }

  @Test
  void squareSendsNResponses() {
    List<InferenceResponse> responses = new ArrayList<>();
    server.model("square_int32").infer(Map.of("IN", new int[] {5})).forEach(responses::add);
    assertThat(responses).hasSize(6);
    assertThat(responses.subList(0, 5)).allSatisfy(r -> assertThat(r.output("OUT").toIntArray()).containsExactly(5));
    assertThat(responses.get(5).isFinal()).isTrue();
  }

  @Test
  void squareOfZeroSendsOnlyTheFinalFlag() {
    List<InferenceResponse> responses = new ArrayList<>();
    server.model("square_int32").infer(Map.of("IN", new int[] {0})).forEach(responses::add);
    assertThat(responses).singleElement().satisfies(r -> assertThat(r.isFinal()).isTrue());
  }

  @Test
  void inferAsyncCompletesWithTheFinalResponse() throws Exception {
    CompletableFuture<InferenceResponse> f =
        server.model("square_int32").inferAsync(InferenceRequest.of(Map.of("IN", new int[] {3})));
    InferenceResponse last = f.get(10, TimeUnit.SECONDS);
    assertThat(last.isFinal()).isTrue();
  }

  @Test
  void cancellingAStreamStopsTheModelAndEndsWithCancelled() {
    ResponseIterator it = server.model("repeat_int32")
        .infer(repeat(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, new int[] {30, 30, 30, 30, 30, 30, 30, 30}, 0))
        .raiseOnError(false);
    InferenceResponse first = it.next();
    assertThat(first.output("OUT").toIntArray()).containsExactly(1);
    it.cancel();
    List<InferenceResponse> rest = new ArrayList<>();
    it.forEachRemaining(rest::add);
    InferenceResponse last = rest.get(rest.size() - 1);
    assertThat(last.isFinal()).isTrue();
    assertThat(last.error()).get().isInstanceOf(NereidException.Cancelled.class);
    assertThat(rest.size()).isLessThan(8);
  }

  private record Collector(String name, List<String> arrivals, CountDownLatch done)
      implements Flow.Subscriber<InferenceResponse> {
    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(InferenceResponse r) {
      arrivals.add(r.isFinal() && r.outputs().isEmpty() ? name + ":final" : name + ":" + r.output("OUT").toIntArray()[0]);
    }

    @Override
    public void onError(Throwable t) {
      arrivals.add(name + ":error:" + t.getMessage());
      done.countDown();
    }

    @Override
    public void onComplete() {
      done.countDown();
    }
  }
}
