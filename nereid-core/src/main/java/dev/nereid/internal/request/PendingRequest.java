package dev.nereid.internal.request;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import dev.nereid.RequestTimeline;
import dev.nereid.Tensor;
import dev.nereid.internal.tensor.TensorShares;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.ResponseFlag;
import dev.nereid.spi.ResponseSender;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request the server accepted: validated inputs, where its responses go, and the guarantee that it
 * gets exactly one final response, whoever sends it (backend, scheduler, cancellation or shutdown).
 *
 * <p>Its life is one explicit {@link State}, changed only by the transitions the state allows; any
 * other change (queueing a request twice, running a released one, releasing one twice) throws
 * {@link IllegalStateException} instead of passing silently.
 */
public final class PendingRequest implements BackendRequest, ResponseSender {
  private static final Logger log = LoggerFactory.getLogger(PendingRequest.class);
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(PendingRequest.class, "state", State.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Where a request is in its life. Legal moves: ACCEPTED to QUEUED, EXECUTING or ANSWERED; QUEUED to
   * EXECUTING or ANSWERED; EXECUTING to ANSWERED; ANSWERED to RELEASED. A request the server refuses
   * after building it (a full queue) counts as answered by that refusal.
   */
  public enum State {
    /** Validated and owned by a model version, not yet in a queue. */
    ACCEPTED,
    /** Waiting in a scheduler's queue. */
    QUEUED,
    /** Handed to an instance; it may still send responses. */
    EXECUTING,
    /** Its final response (or refusal) was given; later responses are dropped. */
    ANSWERED,
    /** Its inputs are released: the caller may reuse their memory. */
    RELEASED
  }

  private final RequestOwner owner;
  private final InferenceRequest request;
  private final Map<String, Tensor> inputs;
  private final ResponseSink sink;
  private final RequestTimeline timeline;
  private final long arrivalNanos;
  @SuppressWarnings("unused") // through STATE
  private volatile State state = State.ACCEPTED;
  /** The final response's claim on the inputs plus one per {@link #holdInputs()} not yet ended. */
  private final AtomicInteger holds = new AtomicInteger(1);
  private volatile boolean cancelled;
  private long executionStartNanos;
  private long queueDeadlineNanos;
  private boolean delayOnTimeout;
  private int priorityLevel;
  private volatile Interceptor interceptor;
  private OrderedDelivery order;
  private long orderTicket;
  private Set<String> extraOutputs = Set.of();

  /** Lets a scheduler see a request's outputs before the caller does, and learn when it ends. */
  public interface Interceptor {
    /** Takes the outputs a response carries and returns those the caller gets. */
    Map<String, Tensor> outputs(PendingRequest request, Map<String, Tensor> outputs);

    /** Called once, after the request's final response was delivered. */
    void finished(PendingRequest request, boolean success);
  }

  public PendingRequest(RequestOwner owner, InferenceRequest request, Map<String, Tensor> inputs, ResponseSink sink) {
    this.owner = owner;
    this.request = request;
    this.inputs = inputs;
    this.sink = sink;
    this.arrivalNanos = System.nanoTime();
    RequestTimeline own = request.timeline();
    // A request a model makes while it executes a traced one (business logic) joins that trace.
    this.timeline = own != RequestTimeline.NONE ? own : ExecutingRequest.childTimeline();
    if (timeline != RequestTimeline.NONE) {
      timeline.started(owner.modelName(), owner.modelVersion(), arrivalNanos);
      if (timeline.tensors()) timeline.inputs(inputs);
    }
  }

  public InferenceRequest request() {
    return request;
  }

  /** The request's own timeline, or a child of the traced request whose execution made it. */
  @Override
  public RequestTimeline timeline() {
    return timeline;
  }

  public long arrivalNanos() {
    return arrivalNanos;
  }

  /** Where the request is in its life. */
  public State state() {
    return state;
  }

  /** ACCEPTED to QUEUED: a scheduler put it in its queue. */
  public void queued() {
    if (!STATE.compareAndSet(this, State.ACCEPTED, State.QUEUED)) {
      throw illegal(State.QUEUED);
    }
    if (timeline != RequestTimeline.NONE) timeline.queued(System.nanoTime());
  }

  /**
   * ACCEPTED or QUEUED to EXECUTING, recording when; the queue time is the time since arrival. A
   * request answered meanwhile (aborted by a stop while its batch formed) stays answered or released:
   * whatever the backend then sends is dropped.
   */
  public void executionStarted(long nanos) {
    this.executionStartNanos = nanos;
    if (timeline != RequestTimeline.NONE) {
      // Straight from acceptance to an instance (no scheduler queue): its queueing starts and ends here.
      if (state == State.ACCEPTED) timeline.queued(nanos);
      timeline.computeStarted(nanos);
    }
    while (true) {
      State current = state;
      if (current == State.ANSWERED || current == State.RELEASED) return;
      if (current != State.ACCEPTED && current != State.QUEUED) throw illegal(State.EXECUTING);
      if (STATE.compareAndSet(this, current, State.EXECUTING)) return;
    }
  }

  /** Tells the owner when the request's execution ended before its final response. */
  public void executionEnded() {
    if (!isComplete()) owner.outlivesExecution(this);
  }

  /** Moves to ANSWERED once; false if it already was (someone else gave the final response). */
  private boolean answer() {
    while (true) {
      State current = state;
      if (current == State.ANSWERED || current == State.RELEASED) return false;
      if (STATE.compareAndSet(this, current, State.ANSWERED)) return true;
    }
  }

  private IllegalStateException illegal(State to) {
    return new IllegalStateException("request '" + id() + "' for model '" + owner.modelName() + "' cannot go from "
        + state + " to " + to);
  }

  public long executionStartNanos() {
    return executionStartNanos;
  }

  /**
   * Sets how long the request may wait in a queue: at {@code deadlineNanos} (0: never) it is rejected,
   * or with {@code delayOnTimeout} moved behind the requests that have not timed out.
   */
  public void queuePolicy(int level, long deadlineNanos, boolean delayOnTimeout) {
    this.priorityLevel = level;
    this.queueDeadlineNanos = deadlineNanos;
    this.delayOnTimeout = delayOnTimeout;
  }

  public int priorityLevel() {
    return priorityLevel;
  }

  public long queueDeadlineNanos() {
    return queueDeadlineNanos;
  }

  public boolean delayOnTimeout() {
    return delayOnTimeout;
  }

  /**
   * Installs an interceptor; {@code extraOutputs} are outputs the backend must produce although the
   * caller did not ask for them (implicit state).
   */
  public void intercept(Interceptor interceptor, Set<String> extraOutputs) {
    this.extraOutputs = Set.copyOf(extraOutputs);
    this.interceptor = interceptor;
  }

  /** Delivers this request's final response only after those of earlier tickets. */
  public void deliverInOrder(OrderedDelivery delivery, long ticket) {
    this.order = delivery;
    this.orderTicket = ticket;
  }

  public ResponseSink sink() {
    return sink;
  }

  // --- BackendRequest

  @Override
  public String id() {
    return request.requestId();
  }

  @Override
  public Object correlationId() {
    return request.correlationId();
  }

  @Override
  public boolean sequenceStart() {
    return request.sequenceStart();
  }

  @Override
  public boolean sequenceEnd() {
    return request.sequenceEnd();
  }

  @Override
  public long priority() {
    return request.priority();
  }

  @Override
  public long timeoutMicros() {
    return request.timeoutMicros();
  }

  @Override
  public Map<String, Object> parameters() {
    return request.parameters();
  }

  @Override
  public Map<String, Tensor> inputs() {
    return inputs;
  }

  @Override
  public Set<String> requestedOutputs() {
    return request.requestedOutputs();
  }

  @Override
  public boolean wantsOutput(String name) {
    Set<String> wanted = request.requestedOutputs();
    return wanted.isEmpty() || wanted.contains(name) || extraOutputs.contains(name);
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public Runnable holdInputs() {
    for (int n = holds.get(); ; n = holds.get()) {
      if (n == 0) {
        throw new IllegalStateException("request '" + id() + "' for model '" + owner.modelName()
            + "' was already released; hold its inputs before sending its final response");
      }
      if (holds.compareAndSet(n, n + 1)) break;
    }
    AtomicBoolean ended = new AtomicBoolean();
    return () -> {
      if (ended.compareAndSet(false, true)) releaseOne();
    };
  }

  /** Ends one claim on the inputs; the last moves the request to RELEASED and runs the caller's release callback. */
  private void releaseOne() {
    if (holds.decrementAndGet() == 0) {
      if (!STATE.compareAndSet(this, State.ANSWERED, State.RELEASED)) throw illegal(State.RELEASED);
      runReleaseCallback(request, owner.modelName());
    }
  }

  /**
   * Releases a request the server refused after it was built (a full queue, a model unloading): it
   * never gets a final response, so its claim on the inputs ends here. Does nothing once it has one.
   */
  public void refused() {
    if (answer()) releaseOne();
  }

  /** Runs the caller's release callback, if the request has one; a failure in it is logged, not thrown. */
  public static void runReleaseCallback(InferenceRequest request, String model) {
    Runnable callback = request.releaseCallback().orElse(null);
    if (callback == null) return;
    try {
      callback.run();
    } catch (RuntimeException e) {
      log.warn("release callback of request '{}' for model '{}' failed", request.requestId(), model, e);
    }
  }

  @Override
  public ResponseSender responder() {
    return this;
  }

  // --- ResponseSender

  @Override
  public void send(Map<String, Tensor> outputs, ResponseFlag flag) {
    send(outputs, Map.of(), flag);
  }

  @Override
  public void send(Map<String, Tensor> outputs, Map<String, Object> parameters, ResponseFlag flag) {
    boolean isFinal = flag == ResponseFlag.FINAL;
    if (isComplete()) {
      log.debug("model '{}' sent a response after the final one for request '{}'; dropped", owner.modelName(), id());
      return;
    }
    if (!isFinal && !owner.decoupled()) {
      fail(new NereidException.Internal("model '" + owner.modelName()
          + "' is not decoupled but sent a response not flagged final; set model_transaction_policy { decoupled: true }"));
      return;
    }
    if (timeline != RequestTimeline.NONE && timeline.tensors()) timeline.outputs(outputs);
    Interceptor seen = interceptor;
    Map<String, Tensor> visible = seen == null ? outputs : seen.outputs(this, outputs);
    InferenceResponse response = new InferenceResponse(owner.modelName(), owner.modelVersion(), id(),
        Map.copyOf(parameters), selectOutputs(visible), Optional.empty(), isFinal);
    if (!isFinal) {
      sink.onResponse(response);
      return;
    }
    if (answer()) {
      // The scheduler settles first (a sequence ends, state is kept), so the caller's next request sees it.
      if (seen != null) seen.finished(this, true);
      deliverFinal(response, FinalOutcome.SUCCESS);
    }
  }

  @Override
  public void complete() {
    send(Map.of(), Map.of(), ResponseFlag.FINAL);
  }

  @Override
  public void fail(NereidException error) {
    fail(error, error instanceof NereidException.Cancelled ? FinalOutcome.CANCELED : FinalOutcome.BACKEND);
  }

  /** Ends the request with an error; the outcome says why, for statistics. */
  public void fail(NereidException error, FinalOutcome outcome) {
    if (answer()) {
      Interceptor seen = interceptor;
      if (seen != null) seen.finished(this, false);
      deliverFinal(new InferenceResponse(owner.modelName(), owner.modelVersion(), id(), Map.of(), Map.of(),
          Optional.of(error), true), outcome);
    }
  }

  private void deliverFinal(InferenceResponse response, FinalOutcome outcome) {
    if (timeline != RequestTimeline.NONE) timeline.computeEnded(System.nanoTime(),
        response.error().isEmpty() ? RequestTimeline.Outcome.SUCCESS : RequestTimeline.Outcome.ERROR);
    OrderedDelivery delivery = order;
    if (delivery == null) {
      finish(response, outcome);
    } else {
      delivery.deliver(orderTicket, () -> finish(response, outcome));
    }
  }

  /** Counts the request, then answers it: a caller that reads statistics after its answer sees itself. */
  private void finish(InferenceResponse response, FinalOutcome outcome) {
    owner.onFinal(this, outcome);
    sink.onResponse(response);
    releaseOne();
  }

  @Override
  public boolean isComplete() {
    State current = state;
    return current == State.ANSWERED || current == State.RELEASED;
  }

  /**
   * Cancels the request: if still queued it is answered CANCELLED at once; if running, the backend
   * sees {@link #isCancelled()}.
   */
  public void cancel() {
    cancelled = true;
    if (!isComplete() && owner.removeQueued(this)) {
      fail(new NereidException.Cancelled("request '" + id() + "' for model '" + owner.modelName() + "' was cancelled"),
          FinalOutcome.CANCELED);
    }
  }

  private Map<String, Tensor> selectOutputs(Map<String, Tensor> outputs) {
    Set<String> wanted = request.requestedOutputs();
    if (wanted.isEmpty() || outputs.isEmpty()) {
      return outputs;
    }
    Map<String, Tensor> selected = new LinkedHashMap<>();
    outputs.forEach((name, tensor) -> {
      if (wanted.contains(name)) {
        selected.put(name, tensor);
      } else {
        TensorShares.release(tensor); // nobody will close it: recycle it now
      }
    });
    return selected;
  }
}
