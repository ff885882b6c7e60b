package dev.nereid.grpc;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.frontend.BufferPool;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import dev.nereid.sharedmemory.SystemSharedMemory;
import dev.nereid.status.LatencyHistograms;
import dev.nereid.tracing.Trace;
import dev.nereid.tracing.Tracing;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The unary {@code ModelInfer} call, handled on the message streams rather than through a generated
 * stub, so that it owns the memory its request was read into. A large request lives in pooled memory
 * ({@link RequestReader}) with two holders: the server, which gives it up through the request's release
 * callback once no model reads the inputs any more (a cancelled request may still be running; an
 * ensemble may answer before its last step ends), and this call, which gives it up once the response,
 * whose outputs may share that memory, has been copied into the transport. The memory goes back to the
 * pool only when both are done.
 *
 * <p>Its checks are those of grpc-java's unary handler: exactly one request message, then half-close.
 */
final class ModelInferCall implements ServerCallHandler<InputStream, InputStream> {
  private final Server server;
  private final EventLoops loops;
  private final RequestReader reader;
  private final SystemSharedMemory regions;
  private final Tracing tracing;
  private final LatencyHistograms latency;

  ModelInferCall(Server server, EventLoops loops, BufferPool pool, SystemSharedMemory regions, Tracing tracing,
      LatencyHistograms latency) {
    this.latency = latency;
    this.server = server;
    this.regions = regions;
    this.tracing = tracing;
    this.loops = loops;
    this.reader = new RequestReader(pool);
  }

  @Override
  public ServerCall.Listener<InputStream> startCall(ServerCall<InputStream, InputStream> call, Metadata headers) {
    call.request(2); // a second message is an error, as in grpc-java's unary calls
    return new Listener(call, headers, System.nanoTime());
  }

  /** One call. grpc-java delivers its events one at a time; the answer may come from another thread. */
  private final class Listener extends ServerCall.Listener<InputStream> {
    private final ServerCall<InputStream, InputStream> call;
    private final Metadata headers;
    private final long received;
    private RequestReader.Read read;
    private boolean ended;
    private volatile CompletableFuture<InferenceResponse> pending;

    Listener(ServerCall<InputStream, InputStream> call, Metadata headers, long received) {
      this.call = call;
      this.headers = headers;
      this.received = received;
    }

    @Override
    public void onMessage(InputStream message) {
      if (ended) return;
      if (read != null) {
        fail(Status.INTERNAL.withDescription("Too many requests"));
        return;
      }
      read = reader.read(message); // a malformed message throws; MalformedMessages answers it
    }

    @Override
    public void onHalfClose() {
      if (ended) return;
      if (read == null) {
        fail(Status.INTERNAL.withDescription("Half-closed without a request"));
        return;
      }
      ended = true;
      infer(read);
      read = null;
    }

    @Override
    public void onCancel() {
      CompletableFuture<InferenceResponse> f = pending;
      if (f != null) f.cancel(false);
      dropUnstarted();
    }

    @Override
    public void onComplete() {
      dropUnstarted();
    }

    private void fail(Status status) {
      ended = true;
      dropUnstarted();
      call.close(status, new Metadata());
    }

    /** A request read but never handed to the server: its memory has no other holder. */
    private void dropUnstarted() {
      if (read != null && read.memory() != null) read.memory().release();
      read = null;
    }

    private void infer(RequestReader.Read read) {
      BufferPool.Lease memory = read.memory();
      CompletableFuture<InferenceResponse> future;
      Map<String, SharedMemoryOutput> sharedMemory;
      Trace trace = null;
      String modelName = read.message().getModelName();
      try {
        InferRequestDecoder.Decoded decoded = InferRequestDecoder.decode(read.message(), read.rawInputContents(), regions);
        sharedMemory = decoded.sharedMemoryOutputs();
        Model model = server.model(decoded.model(), decoded.version());
        if (model.decoupled()) {
          throw new NereidException.Unsupported("ModelInfer RPC doesn't support models with decoupled transaction policy");
        }
        InferenceRequest request = decoded.request();
        trace = !tracing.active() ? null : tracing.start(model.name(), "GRPC", received,
            name -> headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)));
        if (trace != null) {
          trace.requestId(request.requestId());
          request = request.toBuilder().timeline(trace).build();
        }
        if (memory != null) {
          // From here the server holds the memory too, and lets it go through this callback (at once if it refuses).
          request = request.toBuilder().releaseCallback(memory.retain()::release).build();
        }
        Executor loop = loops.current();
        future = loop == null ? model.inferAsync(request) : model.inferAsync(request, loop);
      } catch (RuntimeException e) {
        if (memory != null) memory.release();
        call.close(Statuses.toStatus(e), new Metadata());
        return;
      }
      pending = future;
      Trace traced = trace;
      future.whenComplete((response, error) -> {
        try {
          if (traced != null) traced.sendStarted();
          respond(response, error, sharedMemory);
          if (traced != null) traced.sendEnded();
          latency.record(modelName, System.nanoTime() - received);
        } finally {
          if (memory != null) memory.release();
        }
      });
    }

    private void respond(InferenceResponse response, Throwable error, Map<String, SharedMemoryOutput> sharedMemory) {
      if (error != null) {
        call.close(Statuses.toStatus(error), new Metadata());
        return;
      }
      try (response) {
        ResponseStream encoded;
        try {
          encoded = InferResponseEncoder.encodeStream(response, sharedMemory);
        } catch (RuntimeException e) {
          call.close(Statuses.toStatus(e), new Metadata());
          return;
        }
        if (call.isCancelled()) return;
        call.sendHeaders(new Metadata());
        call.sendMessage(encoded); // drained into the transport's buffers before it returns
        call.close(Status.OK, new Metadata());
      }
    }
  }
}
