package dev.nereid.tracing;

import dev.nereid.RequestTimeline;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * One traced request: its timestamps, as Triton names them, and the traces of the requests it made of
 * other models (an ensemble's steps), its children. The core fills in queueing and compute through
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
  private final List<Event> events = new ArrayList<>(10);
  private final List<Trace> children = new ArrayList<>(0);
  private volatile String model = "";
  private volatile long modelVersion = -1;
  private volatile String requestId = "";
  private volatile boolean success = true;

  Trace(Tracing tracing, long id, Trace parent, String protocol, Context parentContext) {
    this.tracing = tracing;
    this.id = id;
    this.parent = parent;
    this.protocol = protocol;
    this.parentContext = parentContext;
  }

  @Override
  public void queued(String model, long modelVersion, long nanoTime) {
    this.model = model;
    this.modelVersion = modelVersion;
    event("REQUEST_START", nanoTime);
    event("QUEUE_START", nanoTime);
  }

  @Override
  public void computeStarted(long nanoTime) {
    event("COMPUTE_START", nanoTime);
  }

  @Override
  public void computeEnded(long nanoTime, Outcome outcome) {
    this.success = outcome == Outcome.SUCCESS;
    event("COMPUTE_END", nanoTime);
    event("REQUEST_END", nanoTime);
    // A request made in process has no front end to answer it: its trace ends with its final response.
    if (parent == null && protocol == null) tracing.finished(this);
  }

  @Override
  public RequestTimeline child() {
    Trace child = new Trace(tracing, tracing.nextId(), this, null, null);
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
    tracing.finished(this);
  }

  private void event(String name, long nanoTime) {
    synchronized (events) {
      events.add(new Event(name, nanoTime));
    }
  }

  long id() {
    return id;
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
