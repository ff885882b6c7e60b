package dev.nereid;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One inference request: inputs, the outputs wanted, and the scheduling and sequence fields of
 * Triton's request. Immutable; build one with {@link #builder()} or {@link Model#createRequest()}.
 *
 * <p>An input is a {@link Tensor} or a Java value (array, nested array, nested list or scalar) that
 * the server converts to the input's data type from the model's configuration.
 */
public final class InferenceRequest {
  private final String requestId;
  private final Object correlationId;
  private final boolean sequenceStart;
  private final boolean sequenceEnd;
  private final long priority;
  private final long timeoutMicros;
  private final Map<String, Object> parameters;
  private final Map<String, Object> inputs;
  private final Set<String> requestedOutputs;
  private final Runnable releaseCallback;
  private final RequestTimeline timeline;

  private InferenceRequest(Builder b) {
    this.requestId = b.requestId;
    this.correlationId = b.correlationId;
    this.sequenceStart = b.sequenceStart;
    this.sequenceEnd = b.sequenceEnd;
    this.priority = b.priority;
    this.timeoutMicros = b.timeoutMicros;
    this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.parameters));
    this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(b.inputs));
    this.requestedOutputs = Collections.unmodifiableSet(new LinkedHashSet<>(b.requestedOutputs));
    this.releaseCallback = b.releaseCallback;
    this.timeline = b.timeline;
  }

  /** A builder for a request. */
  public static Builder builder() {
    return new Builder();
  }

  /** A request with these inputs and nothing else set. */
  public static InferenceRequest of(Map<String, ?> inputs) {
    Builder b = builder();
    inputs.forEach(b::input);
    return b.build();
  }

  /** A builder preset with this request's fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.requestId = requestId;
    b.correlationId = correlationId;
    b.sequenceStart = sequenceStart;
    b.sequenceEnd = sequenceEnd;
    b.priority = priority;
    b.timeoutMicros = timeoutMicros;
    b.parameters.putAll(parameters);
    b.inputs.putAll(inputs);
    b.requestedOutputs.addAll(requestedOutputs);
    b.releaseCallback = releaseCallback;
    b.timeline = timeline;
    return b;
  }

  /** The caller's id for this request, echoed in its responses; empty if none. */
  public String requestId() {
    return requestId;
  }

  /** The sequence (correlation) id: a {@code Long}, a {@code String}, or null when the request has none. */
  public Object correlationId() {
    return correlationId;
  }

  /** Whether this request starts a sequence. */
  public boolean sequenceStart() {
    return sequenceStart;
  }

  /** Whether this request ends a sequence. */
  public boolean sequenceEnd() {
    return sequenceEnd;
  }

  /** The priority level; 0 means the model's default. */
  public long priority() {
    return priority;
  }

  /** How long the request may wait in a queue, in microseconds; 0 means the model's default. */
  public long timeoutMicros() {
    return timeoutMicros;
  }

  /** Request parameters; each value is a String, Long, Double or Boolean. */
  public Map<String, Object> parameters() {
    return parameters;
  }

  /** The inputs by name, in the order added: Tensors or Java values to convert. */
  public Map<String, Object> inputs() {
    return inputs;
  }

  /** The outputs asked for; empty means all of them. */
  public Set<String> requestedOutputs() {
    return requestedOutputs;
  }

  /** What is told as the request is queued, executed and answered; see {@link Builder#timeline}. */
  public RequestTimeline timeline() {
    return timeline;
  }

  /** What the server runs when it no longer reads this request's inputs; see {@link Builder#releaseCallback}. */
  public Optional<Runnable> releaseCallback() {
    return Optional.ofNullable(releaseCallback);
  }

  @Override
  public String toString() {
    return "InferenceRequest[id=" + requestId + ", inputs=" + inputs.keySet() + "]";
  }

  /** Builds an {@link InferenceRequest}. Not thread-safe. */
  public static final class Builder {
    private String requestId = "";
    private Object correlationId;
    private boolean sequenceStart;
    private boolean sequenceEnd;
    private long priority;
    private long timeoutMicros;
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private final Map<String, Object> inputs = new LinkedHashMap<>();
    private final Set<String> requestedOutputs = new LinkedHashSet<>();
    private Runnable releaseCallback;
    private RequestTimeline timeline = RequestTimeline.NONE;

    Builder() {}

    /** Sets the request id, echoed in responses. */
    public Builder requestId(String id) {
      this.requestId = Objects.requireNonNull(id, "id");
      return this;
    }

    /** Sets a numeric sequence id. */
    public Builder correlationId(long id) {
      this.correlationId = id;
      return this;
    }

    /** Sets a string sequence id. */
    public Builder correlationId(String id) {
      this.correlationId = Objects.requireNonNull(id, "id");
      return this;
    }

    /** Marks this request as the first of its sequence. */
    public Builder sequenceStart(boolean start) {
      this.sequenceStart = start;
      return this;
    }

    /** Marks this request as the last of its sequence. */
    public Builder sequenceEnd(boolean end) {
      this.sequenceEnd = end;
      return this;
    }

    /** Sets the priority level (1 is highest; 0 means the model's default). */
    public Builder priority(long priority) {
      if (priority < 0) throw new IllegalArgumentException("priority must be >= 0, got " + priority);
      this.priority = priority;
      return this;
    }

    /** Sets the queue timeout in microseconds (0 means the model's default). */
    public Builder timeoutMicros(long timeoutMicros) {
      if (timeoutMicros < 0) throw new IllegalArgumentException("timeout must be >= 0, got " + timeoutMicros);
      this.timeoutMicros = timeoutMicros;
      return this;
    }

    /** Adds a string parameter. */
    public Builder parameter(String key, String value) {
      parameters.put(key, Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Adds an integer parameter. */
    public Builder parameter(String key, long value) {
      parameters.put(key, value);
      return this;
    }

    /** Adds a floating-point parameter. */
    public Builder parameter(String key, double value) {
      parameters.put(key, value);
      return this;
    }

    /** Adds a boolean parameter. */
    public Builder parameter(String key, boolean value) {
      parameters.put(key, value);
      return this;
    }

    /**
     * Adds an input: a {@link Tensor}, or a Java array, nested array, nested list or scalar that the
     * server converts to the data type the model's configuration gives this input.
     */
    public Builder input(String name, Object value) {
      Objects.requireNonNull(name, "name");
      inputs.put(name, Objects.requireNonNull(value, () -> "input '" + name + "' is null"));
      return this;
    }

    /** Asks for this output; with none asked for, every output is returned. */
    public Builder output(String name) {
      requestedOutputs.add(Objects.requireNonNull(name, "name"));
      return this;
    }

    /**
     * Sets what the server runs when it will read this request's input tensors no more, as Triton's
     * request release callback: for a caller that lends memory it reuses (a pooled network buffer)
     * and must know when it may have it back.
     *
     * <p>The server runs it exactly once for each infer call given this request: after the request's
     * final response, once everything that was handed the inputs is done with them (the steps of an
     * ensemble, a backend that holds them with {@link dev.nereid.spi.BackendRequest#holdInputs()}); or
     * at once, before the call returns or its future fails, when the request is refused before it
     * is queued. Until then the memory behind the input tensors must stay valid and unchanged.
     * Output tensors may share that memory (an identity model returns its inputs), so a caller that
     * reads its responses after the release keeps the memory until it is done with them too.
     *
     * <p>It runs on whichever thread releases the request (often a model's instance thread): keep it
     * short, never block in it. An exception it throws is logged and otherwise ignored.
     */
    public Builder releaseCallback(Runnable callback) {
      this.releaseCallback = Objects.requireNonNull(callback, "callback");
      return this;
    }

    /**
     * Sets what is told as the request is queued, executed and answered: a trace's hook (see
     * {@link RequestTimeline}); {@link RequestTimeline#NONE} by default.
     */
    public Builder timeline(RequestTimeline timeline) {
      this.timeline = Objects.requireNonNull(timeline, "timeline");
      return this;
    }

    /** Builds the request. */
    public InferenceRequest build() {
      return new InferenceRequest(this);
    }
  }
}
