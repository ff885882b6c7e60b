package dev.nereid;

import dev.nereid.internal.lifecycle.LoadedModel;
import dev.nereid.internal.request.FutureSink;
import dev.nereid.internal.request.PublisherSink;
import dev.nereid.internal.request.ResponseQueue;
import dev.nereid.proto.ModelConfig;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * A handle on a model served by a {@link Server}: a name and a version (-1 for the latest ready one),
 * looked up afresh on each call, so a handle stays good across reloads.
 */
public final class Model {
  private final Server server;
  private final String name;
  private final long version;

  Model(Server server, String name, long version) {
    this.server = server;
    this.name = name;
    this.version = version;
  }

  /** The model's name. */
  public String name() {
    return name;
  }

  /** The version this handle asks for; -1 means the latest ready version. */
  public long version() {
    return version;
  }

  /** The state of the version this handle resolves to; UNKNOWN when the model has no such version. */
  public ModelState state() {
    return server.running().state(name, version).state();
  }

  /** Why the model is in its state, or empty. */
  public String reason() {
    return server.running().state(name, version).reason();
  }

  /** Whether the version this handle resolves to is READY. */
  public boolean ready() {
    return state() == ModelState.READY;
  }

  /** The model's metadata in KServe v2 form. */
  public ModelMetadata metadata() {
    return server.running().metadata(name, version);
  }

  /** The effective config: {@code config.pbtxt} after auto-complete. */
  public ModelConfig config() {
    return resolve().config();
  }

  /** The effective config as JSON with Triton's field names. */
  public String configJson() {
    return resolve().configJson();
  }

  /** Statistics of this version, or of every loaded version when the handle's version is -1. */
  public List<ModelStatistics> statistics() {
    return server.running().statistics(name, version);
  }

  /** Whether requests carry a batch dimension first ({@code max_batch_size > 0}). */
  public boolean supportsBatching() {
    return resolve().config().getMaxBatchSize() > 0;
  }

  /** Whether the model may send any number of responses per request. */
  public boolean decoupled() {
    return resolve().decoupled();
  }

  /** A builder for a request to this model. */
  public InferenceRequest.Builder createRequest() {
    return InferenceRequest.builder();
  }

  /** Sends a request with these inputs; see {@link #infer(InferenceRequest)}. */
  public ResponseIterator infer(Map<String, ?> inputs) {
    return infer(InferenceRequest.of(inputs));
  }

  /**
   * Sends a request and returns its responses as they arrive. Invalid requests fail here, with
   * {@link NereidException.InvalidArgument} or {@link NereidException.NotFound}; a full queue or a
   * stopping server with {@link NereidException.Unavailable}. Errors found later surface from the
   * iterator.
   */
  public ResponseIterator infer(InferenceRequest request) {
    ResponseQueue queue = new ResponseQueue();
    server.running().submit(name, version, request, queue, true);
    return new ResponseIterator(queue);
  }

  /**
   * Sends a request without blocking; the future completes with the final response, or
   * exceptionally with the request's {@link NereidException}. Cancelling the future cancels the request.
   */
  public CompletableFuture<InferenceResponse> inferAsync(InferenceRequest request) {
    return inferAsync(request, server.running().responseExecutor());
  }

  /**
   * Like {@link #inferAsync(InferenceRequest)}, but the future completes on the given executor, so a
   * caller with a thread of its own (a network front end's event loop) gets the response there without
   * passing through the server's response executor. The executor must not block or run the completion
   * inline on the thread that calls {@code execute}: that is a model's instance thread.
   */
  public CompletableFuture<InferenceResponse> inferAsync(InferenceRequest request, Executor executor) {
    return inferAsync(request, executor, CallerThread.NEVER_RUNS);
  }

  /**
   * Like {@link #inferAsync(InferenceRequest, Executor)}; with {@link CallerThread#RUNS_WHEN_IDLE}, when
   * nothing is queued for the model and one of its instances is idle, the model runs on the calling
   * thread before this returns, as it does for {@link #infer}. Either way the future completes on
   * {@code executor}.
   */
  public CompletableFuture<InferenceResponse> inferAsync(InferenceRequest request, Executor executor,
      CallerThread callerThread) {
    FutureSink sink = new FutureSink(Objects.requireNonNull(executor, "executor"));
    try {
      server.running().submit(name, version, request, sink, callerThread == CallerThread.RUNS_WHEN_IDLE);
    } catch (NereidException e) {
      return CompletableFuture.failedFuture(e);
    }
    return sink.future();
  }

  /**
   * Sends a request and publishes every response, for decoupled models: {@code onNext} per response
   * (the last flagged final), then {@code onComplete}, or {@code onError} with the request's error.
   * The request is sent when the subscriber subscribes; one subscriber per publisher.
   */
  public Flow.Publisher<InferenceResponse> inferStream(InferenceRequest request) {
    return new PublisherSink(
        sink -> server.running().submit(name, version, request, sink, false), server.running().responseExecutor());
  }

  private LoadedModel resolve() {
    return server.running().resolve(name, version);
  }

  @Override
  public String toString() {
    return "Model[" + name + (version < 0 ? "" : " v" + version) + "]";
  }
}
