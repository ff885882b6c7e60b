package dev.nereid.tracing;

import dev.nereid.RequestTimeline;
import dev.nereid.Tensor;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One traced request: its timestamps, as Triton names them, the tensors it saw at the {@code TENSORS}
 * level, and the traces of the requests it made of other models (an ensemble's steps, a model's
 * business logic), its children. The core fills in queueing and compute through
 * {@link RequestTimeline}; the front end the receipt and the response. When the front end has sent
 * the response of the request it received, the whole tree goes to the trace's destination.
 */
public final class Trace implements RequestTimeline {
  /** A named point in time ({@link System#nanoTime()}). */
  record Event(String name, long nanoTime) {}

  private final Tracing tracing;
  private final long id;
  private final Trace parent;
  private final String protocol;
  private final Context parentContext;
  /** What the trace records: its levels (timestamps, tensors) as the request's model had them. */
  private final TraceSettings levels;
  private final List<Event> events = new ArrayList<>(12);
  private final List<TensorRecord> tensorRecords = new ArrayList<>(0);
  private final List<Trace> children = new ArrayList<>(0);
  private volatile String model = "";
  private volatile long modelVersion = -1;
  private volatile String requestId = "";
  private volatile boolean success = true;
  private final AtomicBoolean reported = new AtomicBoolean();

  Trace(Tracing tracing, long id, Trace parent, String protocol, Context parentContext, TraceSettings levels) {
    this.tracing = tracing;
    this.id = id;
    this.parent = parent;
    this.protocol = protocol;
    this.parentContext = parentContext;
    this.levels = levels;
  }

  @Override
  public void started(String model, long modelVersion, long nanoTime) {
    this.model = model;
    this.modelVersion = modelVersion;
    event("REQUEST_START", nanoTime);
  }

  @Override
  public void queued(long nanoTime) {
    event("QUEUE_START", nanoTime);
  }

  @Override
  public void computeStarted(long nanoTime) {
    event("COMPUTE_START", nanoTime);
  }

  @Override
  public void computeInputEnded(long nanoTime) {
    event("COMPUTE_INPUT_END", nanoTime);
  }

  @Override
  public void computeOutputStarted(long nanoTime) {
    event("COMPUTE_OUTPUT_START", nanoTime);
  }

  @Override
  public void computeEnded(long nanoTime, Outcome outcome) {
    this.success = outcome == Outcome.SUCCESS;
    long computeStart = at("COMPUTE_START");
    if (computeStart >= 0) {
      // A backend that does not report its phases spent the whole execution inferring, as the
      // statistics count it: the input phase ends at compute start, the output phase starts at its end.
      if (at("COMPUTE_INPUT_END") < 0) event("COMPUTE_INPUT_END", computeStart);
      if (at("COMPUTE_OUTPUT_START") < 0) event("COMPUTE_OUTPUT_START", nanoTime);
    }
    event("COMPUTE_END", nanoTime);
    event("REQUEST_END", nanoTime);
    // A request made in process has no front end to answer it: its trace ends with its final response.
    if (parent == null && protocol == null) report();
  }

  @Override
  public boolean tensors() {
    return levels.tensors();
  }

  @Override
  public void inputs(Map<String, Tensor> inputs) {
    record("TENSOR_QUEUE_INPUT", inputs);
  }

  @Override
  public void outputs(Map<String, Tensor> outputs) {
    record("TENSOR_BACKEND_OUTPUT", outputs);
  }

  private void record(String activity, Map<String, Tensor> tensors) {
    List<TensorRecord> made = new ArrayList<>(tensors.size());
    tensors.forEach((name, tensor) -> made.add(TensorRecord.of(activity, name, tensor)));
    synchronized (tensorRecords) {
      tensorRecords.addAll(made);
    }
  }

  @Override
  public RequestTimeline child() {
    Trace child = new Trace(tracing, tracing.nextId(), this, null, null, levels);
    synchronized (children) {
      children.add(child);
    }
    return child;
  }

  /** The front end read the request ({@code <protocol>_RECV_START}, ..._END). */
  public void received(long startNanos, long endNanos) {
    event(protocol + (protocol.equals("GRPC") ? "_WAITREAD_START" : "_RECV_START"), startNanos);
    event(protocol + (protocol.equals("GRPC") ? "_WAITREAD_END" : "_RECV_END"), endNanos);
  }

  /** Sets the request id the trace reports. */
  public void requestId(String id) {
    this.requestId = id == null ? "" : id;
  }

  /** The front end starts writing the response. */
  public void sendStarted() {
    event(protocol + "_SEND_START", System.nanoTime());
  }

  /** The front end has written the response: the trace is complete and goes to its destination. */
  public void sendEnded() {
    event(protocol + "_SEND_END", System.nanoTime());
    report();
  }

  /**
   * The front end has written one response of several (a stream's), which it started writing at
   * {@code startNanos}; the trace goes on until {@link #sendEnded} or {@link #ended}.
   */
  public void responseSent(long startNanos) {
    event(protocol + "_SEND_START", startNanos);
    event(protocol + "_SEND_END", System.nanoTime());
  }

  /** The request is over with nothing more to write (a stream closed, an error sent): the trace goes out. */
  public void ended() {
    report();
  }

  /** Hands the trace to its destination, once, whichever end of the request comes first. */
  private void report() {
    if (reported.compareAndSet(false, true)) tracing.finished(this);
  }

  private void event(String name, long nanoTime) {
    synchronized (events) {
      events.add(new Event(name, nanoTime));
    }
  }

  long id() {
    return id;
  }

  /** Whether the trace's output carries its timestamps ({@code TIMESTAMPS} level). */
  boolean timestamps() {
    return levels.timestamps();
  }

  Trace parent() {
    return parent;
  }

  Context parentContext() {
    return parentContext;
  }

  String model() {
    return model;
  }

  long modelVersion() {
    return modelVersion;
  }

  String requestId() {
    return requestId;
  }

  boolean success() {
    return success;
  }

  List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** The tensors recorded at the {@code TENSORS} level, in the order seen. */
  List<TensorRecord> tensorRecords() {
    synchronized (tensorRecords) {
      return List.copyOf(tensorRecords);
    }
  }

  List<Trace> children() {
    synchronized (children) {
      return List.copyOf(children);
    }
  }

  /** The first and last timestamps, in {@link System#nanoTime()} units. */
  long start() {
    return events().stream().mapToLong(Event::nanoTime).min().orElse(System.nanoTime());
  }

  long end() {
    return events().stream().mapToLong(Event::nanoTime).max().orElse(System.nanoTime());
  }

  /** The time of the first event with this name, or -1. */
  long at(String name) {
    for (Event e : events()) {
      if (e.name().equals(name)) return e.nanoTime();
    }
    return -1;
  }
}
