package dev.nereid.grpc;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.Server;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import dev.nereid.sharedmemory.SystemSharedMemory;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.grpc.proto.ModelStreamInferResponse;
import dev.nereid.tracing.Trace;
import dev.nereid.tracing.Tracing;
import io.grpc.Metadata;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One {@code ModelStreamInfer} call: every request read from the stream goes to its model at once,
 * and every response comes back on the stream as it is produced, for decoupled models too. A failed
 * request is answered with {@code error_message} and the stream goes on. The call ends when the
 * client has half-closed and every request has had its last response.
 *
 * <p>Responses are pulled one at a time per request and only while the transport can take more, so a
 * model streaming faster than the client reads is held back instead of filling the send buffer.
 *
 * <p>Each request read is traced on its own, as Triton traces a stream's requests: its receipt, every
 * response written ({@code GRPC_SEND_START}/{@code _END}), and the end of its last, continuing a
 * {@code traceparent} the call's metadata carries.
 */
final class StreamInferCall implements StreamObserver<ModelInferRequest> {
  private final Server server;
  private final ServerCallStreamObserver<ModelStreamInferResponse> out;
  private final SystemSharedMemory regions;
  private final Tracing tracing;
  private final Metadata headers;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Set<RequestSubscriber> inFlight = ConcurrentHashMap.newKeySet();
  private final Queue<RequestSubscriber> waitingForReady = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile boolean halfClosed;
  private volatile boolean cancelled;

  StreamInferCall(Server server, SystemSharedMemory regions, Tracing tracing, Metadata headers,
      ServerCallStreamObserver<ModelStreamInferResponse> out) {
    this.server = server;
    this.regions = regions;
    this.tracing = tracing;
    this.headers = headers == null ? new Metadata() : headers;
    this.out = out;
    out.setOnReadyHandler(this::resumeWaiting);
    out.setOnCancelHandler(this::cancelAll);
  }

  @Override
  public void onNext(ModelInferRequest request) {
    long received = System.nanoTime();
    RequestSubscriber subscriber;
    Flow.Publisher<InferenceResponse> responses;
    try {
      InferRequestDecoder.Decoded decoded = InferRequestDecoder.decode(request, regions);
      Model model = server.model(decoded.model(), decoded.version());
      InferenceRequest inference = decoded.request();
      Trace trace = !tracing.active() ? null : tracing.start(model.name(), "GRPC", received,
          name -> headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)));
      if (trace != null) {
        trace.requestId(inference.requestId());
        inference = inference.toBuilder().timeline(trace).build();
      }
      subscriber = new RequestSubscriber(!model.decoupled() || decoded.emptyFinalResponse(), decoded.emptyFinalResponse(),
          request, decoded.sharedMemoryOutputs(), trace);
      responses = model.inferStream(inference);
    } catch (RuntimeException e) {
      writeError(request, e);
      return;
    }
    inFlight.add(subscriber);
    responses.subscribe(subscriber);
  }

  @Override
  public void onError(Throwable t) {
    cancelAll();
  }

  @Override
  public void onCompleted() {
    halfClosed = true;
    finishIfDone();
  }

  private void finishIfDone() {
    if (halfClosed && inFlight.isEmpty() && finished.compareAndSet(false, true)) {
      writeLock.lock();
      try {
        if (!cancelled) out.onCompleted();
      } finally {
        writeLock.unlock();
      }
    }
  }

  private void cancelAll() {
    cancelled = true;
    for (RequestSubscriber s : inFlight) {
      s.cancel();
    }
  }

  private void resumeWaiting() {
    RequestSubscriber s;
    while (out.isReady() && (s = waitingForReady.poll()) != null) {
      s.requestNext();
    }
  }

  private void write(ModelStreamInferResponse response) {
    writeLock.lock();
    try {
      if (!cancelled && !finished.get()) out.onNext(response);
    } finally {
      writeLock.unlock();
    }
  }

  private void writeError(ModelInferRequest request, Throwable error) {
    // The request's id and model let the client tell which request failed.
    write(ModelStreamInferResponse.newBuilder()
        .setErrorMessage(Statuses.message(error))
        .setInferResponse(ModelInferResponse.newBuilder()
            .setId(request.getId())
            .setModelName(request.getModelName())
            .setModelVersion(request.getModelVersion()))
        .build());
  }

  /** Receives one request's responses and writes them to the stream. */
  private final class RequestSubscriber implements Flow.Subscriber<InferenceResponse> {
    private final boolean sendEmptyFinal;
    private final boolean flagFinal;
    private final ModelInferRequest request;
    private final Map<String, SharedMemoryOutput> sharedMemory;
    /** The request's trace, or null when it is not traced. */
    private final Trace trace;
    private volatile Flow.Subscription subscription;

    RequestSubscriber(boolean sendEmptyFinal, boolean flagFinal, ModelInferRequest request,
        Map<String, SharedMemoryOutput> sharedMemory, Trace trace) {
      this.sharedMemory = sharedMemory;
      this.trace = trace;
      this.sendEmptyFinal = sendEmptyFinal;
      this.flagFinal = flagFinal;
      this.request = request;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(InferenceResponse response) {
      // A decoupled model's closing response usually has no outputs: Triton sends it only on request.
      if (!response.isFinal() || !response.outputs().isEmpty() || sendEmptyFinal) {
        try {
          long sendStart = System.nanoTime();
          ModelInferResponse encoded = flagFinal
              ? InferResponseEncoder.encodeFlagged(response, sharedMemory)
              : InferResponseEncoder.encode(response, sharedMemory);
          // The outputs are wrapped, not copied; gRPC has framed them by the time write returns.
          write(ModelStreamInferResponse.newBuilder().setInferResponse(encoded).build());
          if (trace != null) trace.responseSent(sendStart);
        } catch (RuntimeException e) {
          writeError(request, e);
        }
      }
      response.close();
      if (response.isFinal()) {
        return; // onComplete follows without further demand
      }
      waitingForReady.add(this);
      resumeWaiting();
    }

    @Override
    public void onError(Throwable error) {
      writeError(request, error);
      done();
    }

    @Override
    public void onComplete() {
      done();
    }

    void requestNext() {
      subscription.request(1);
    }

    void cancel() {
      Flow.Subscription s = subscription;
      if (s != null) s.cancel();
    }

    private void done() {
      if (trace != null) trace.ended();
      inFlight.remove(this);
      finishIfDone();
    }
  }
}
