package dev.nereid.internal.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.request.PendingRequest.State;
import dev.nereid.spi.ResponseFlag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A request's explicit life: accepted, queued, executing, answered, released, and nothing else. */
class RequestStateTest {
  private final List<FinalOutcome> finals = new ArrayList<>();
  private final List<InferenceResponse> responses = new ArrayList<>();
  private final AtomicInteger releases = new AtomicInteger();

  private final RequestOwner owner = new RequestOwner() {
    @Override
    public String modelName() {
      return "m";
    }

    @Override
    public long modelVersion() {
      return 1;
    }

    @Override
    public boolean decoupled() {
      return false;
    }

    @Override
    public void onFinal(PendingRequest request, FinalOutcome outcome) {
      finals.add(outcome);
    }

    @Override
    public boolean removeQueued(PendingRequest request) {
      return request.state() == State.QUEUED;
    }
  };

  private PendingRequest request() {
    Tensor x = Tensor.of(new float[] {1, 2}, 2);
    InferenceRequest r = InferenceRequest.builder().requestId("r1").input("X", x)
        .releaseCallback(releases::incrementAndGet).build();
    return new PendingRequest(owner, r, Map.of("X", x), responses::add);
  }

  @Test
  void aServedRequestGoesThroughEveryStateOnce() {
    PendingRequest r = request();
    assertThat(r.state()).isEqualTo(State.ACCEPTED);
    r.queued();
    assertThat(r.state()).isEqualTo(State.QUEUED);
    r.executionStarted(System.nanoTime());
    assertThat(r.state()).isEqualTo(State.EXECUTING);
    Runnable hold = r.holdInputs();
    r.send(Map.of("Y", Tensor.of(new float[] {3}, 1)), ResponseFlag.FINAL);
    assertThat(r.state()).isEqualTo(State.ANSWERED);
    assertThat(responses).hasSize(1);
    assertThat(releases).hasValue(0);
    hold.run();
    assertThat(r.state()).isEqualTo(State.RELEASED);
    assertThat(releases).hasValue(1);
    assertThat(finals).containsExactly(FinalOutcome.SUCCESS);
  }

  @Test
  void illegalTransitionsAreLoud() {
    PendingRequest r = request();
    r.queued();
    assertThatThrownBy(r::queued).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'r1'").hasMessageContaining("'m'").hasMessageContaining("from QUEUED to QUEUED");
    r.executionStarted(System.nanoTime());
    assertThatThrownBy(r::queued).hasMessageContaining("from EXECUTING to QUEUED");
    assertThatThrownBy(() -> r.executionStarted(System.nanoTime())).hasMessageContaining("from EXECUTING to EXECUTING");
    r.complete();
    assertThat(r.state()).isEqualTo(State.RELEASED);
    assertThatThrownBy(r::queued).hasMessageContaining("from RELEASED to QUEUED");
    assertThatThrownBy(r::holdInputs).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void onlyTheFirstFinalAnswerCounts() {
    PendingRequest r = request();
    r.queued();
    r.cancel();
    assertThat(r.state()).isEqualTo(State.RELEASED);
    r.fail(new NereidException.Internal("late"), FinalOutcome.BACKEND);
    r.send(Map.of(), ResponseFlag.FINAL);
    r.refused();
    assertThat(finals).containsExactly(FinalOutcome.CANCELED);
    assertThat(responses).hasSize(1);
    assertThat(responses.get(0).error()).get().isInstanceOf(NereidException.Cancelled.class);
    assertThat(releases).hasValue(1);
  }

  @Test
  void aRequestAbortedWhileItsBatchFormedStaysAnswered() {
    PendingRequest r = request();
    r.queued();
    r.fail(new NereidException.Unavailable("stopping"), FinalOutcome.OTHER);
    r.executionStarted(System.nanoTime());
    assertThat(r.state()).isEqualTo(State.RELEASED);
  }

  @Test
  void aRefusedRequestIsReleasedWithoutAResponse() {
    PendingRequest r = request();
    r.refused();
    assertThat(r.state()).isEqualTo(State.RELEASED);
    assertThat(responses).isEmpty();
    assertThat(releases).hasValue(1);
  }
}
