package dev.nereid.internal.request;

import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Publishes one request's responses to one subscriber, honouring its demand. Responses arrive from
 * any thread; a drain loop on the executor delivers them one at a time, as {@link Flow} requires.
 */
public final class PublisherSink implements ResponseSink, Flow.Publisher<InferenceResponse> {
  private final Consumer<PublisherSink> submit;
  private final Executor executor;
  private final ConcurrentLinkedQueue<InferenceResponse> pending = new ConcurrentLinkedQueue<>();
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicBoolean subscribed = new AtomicBoolean();
  private volatile Flow.Subscriber<? super InferenceResponse> subscriber;
  private volatile PendingRequest request;
  private volatile boolean done;
  private volatile boolean cancelled;

  public PublisherSink(Consumer<PublisherSink> submit, Executor executor) {
    this.submit = submit;
    this.executor = executor;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super InferenceResponse> s) {
    if (!subscribed.compareAndSet(false, true)) {
      s.onSubscribe(new Flow.Subscription() {
        @Override public void request(long n) {}
        @Override public void cancel() {}
      });
      s.onError(new IllegalStateException("an inference stream takes one subscriber"));
      return;
    }
    subscriber = s;
    s.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {
        if (n <= 0) {
          cancelled = true;
          s.onError(new IllegalArgumentException("demand must be positive, got " + n));
          return;
        }
        demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        drain();
      }

      @Override
      public void cancel() {
        cancelled = true;
        PendingRequest r = request;
        if (r != null) r.cancel();
      }
    });
    try {
      submit.accept(this);
    } catch (NereidException e) {
      onResponse(new InferenceResponse("", -1, "", java.util.Map.of(), java.util.Map.of(), java.util.Optional.of(e), true));
    }
  }

  @Override
  public void onAccepted(PendingRequest accepted) {
    this.request = accepted;
    if (cancelled) accepted.cancel();
  }

  @Override
  public void onResponse(InferenceResponse response) {
    pending.add(response);
    drain();
  }

  private void drain() {
    if (wip.getAndIncrement() == 0) {
      executor.execute(this::drainLoop);
    }
  }

  private void drainLoop() {
    int missed = 1;
    Flow.Subscriber<? super InferenceResponse> s = subscriber;
    do {
      while (!done && !cancelled) {
        InferenceResponse head = pending.peek();
        if (head == null) break;
        boolean terminal = head.isFinal();
        if (head.error().isPresent()) {
          pending.poll();
          done = true;
          s.onError(head.error().get());
          break;
        }
        if (demand.get() == 0) break;
        pending.poll();
        demand.decrementAndGet();
        s.onNext(head);
        if (terminal) {
          done = true;
          s.onComplete();
        }
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }
}
