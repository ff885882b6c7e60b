package dev.nereid.http;

import dev.nereid.CallerThread;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.sharedmemory.SystemSharedMemory;
import dev.nereid.status.LatencyHistograms;
import dev.nereid.tracing.Trace;
import dev.nereid.tracing.Tracing;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.concurrent.Executor;

/**
 * {@code POST /v2/models/{m}[/versions/{v}]/infer}: decodes the request, submits it with
 * {@link Model#inferAsync}, and writes the response when the future completes, on the thread that
 * completes it. Large bodies are decoded off the event loop; fast models may run on it.
 */
final class InferEndpoint {
  /** Responses with at most this much output data to write as JSON are written on the event loop. */
  private static final long ENCODE_ON_EVENT_LOOP_BYTES = 64 * 1024;

  private final Server server;
  private final Executor workers;
  private final SystemSharedMemory regions;
  private final Tracing tracing;
  private final LatencyHistograms latency;
  private final int maxRequestSize;
  private final FastModels fastModels = new FastModels();

  /** @param maxRequestSize the most bytes of tensors a JSON request may expand to, as its body may hold */
  InferEndpoint(Server server, Executor workers, SystemSharedMemory regions, Tracing tracing,
      LatencyHistograms latency, int maxRequestSize) {
    this.latency = latency;
    this.server = server;
    this.workers = workers;
    this.regions = regions;
    this.tracing = tracing;
    this.maxRequestSize = maxRequestSize;
  }

  void handle(Exchange exchange, Route route) {
    Model model = server.model(route.model(), route.modelVersion());
    if (model.decoupled()) {
      throw new NereidException.Unsupported("HTTP end point doesn't support models with decoupled transaction policy");
    }
    FullHttpRequest request = exchange.request();
    ByteBuf body = request.content();
    String declared = request.headers().get(InferResponseEncoder.HEADER_LENGTH);
    int headerLength = headerLength(declared, body.readableBytes());
    boolean raw = declared != null && headerLength == 0;
    long received = System.nanoTime();
    if (exchange.largeBody()) {
      exchange.runOn(workers, () -> submit(exchange, model, body, headerLength, raw, false, received));
    } else {
      submit(exchange, model, body, headerLength, raw, fastModels.fast(model, route), received);
    }
  }

  /**
   * Decodes and submits; {@code raw} means an Inference-Header-Content-Length of 0: the body is one
   * tensor. {@code runHere}: the model may run on this thread (see {@link FastModels}). {@code received}:
   * when the request arrived.
   */
  private void submit(Exchange exchange, Model model, ByteBuf body, int headerLength, boolean raw, boolean runHere,
      long received) {
    boolean hasBinary = headerLength < body.readableBytes();
    ByteBuf contiguous = hasBinary ? contiguous(exchange, body) : body;
    // Tensors are views of the body and of the exchange's buffers: the server holds them too, until a
    // model that answered early (an ensemble's failing step, a backend reading on) is done with them.
    Runnable release = exchange.claimForServer();
    InferRequestDecoder.Decoded decoded;
    try {
      decoded = raw
          ? new InferRequestDecoder.Decoded(RawRequestDecoder.decode(model, contiguous, release), OutputSelection.ALL_BINARY)
          : InferRequestDecoder.decode(model.name(), contiguous, headerLength,
              new JsonTensorBudget(maxRequestSize, exchange::tensorBuffer), release, regions);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    // The response comes back on the connection's event loop, one thread hop from the model; only
    // writing large outputs as JSON is worth moving to a worker.
    InferenceRequest request = decoded.request();
    Trace trace = !tracing.active() ? null
        : tracing.start(model.name(), "HTTP", received, name -> exchange.request().headers().get(name));
    if (trace != null) {
      trace.requestId(request.requestId());
      request = request.toBuilder().timeline(trace).build();
    }
    CallerThread callerThread = runHere ? CallerThread.RUNS_WHEN_IDLE : CallerThread.NEVER_RUNS;
    model.inferAsync(request, exchange.eventLoop(), callerThread).whenComplete((response, error) -> {
      if (error != null) {
        if (trace != null) trace.sendStarted();
        exchange.sendError(error);
        if (trace != null) trace.sendEnded();
        latency.record(model.name(), System.nanoTime() - received);
      } else if (jsonBytes(response, decoded.outputs()) <= ENCODE_ON_EVENT_LOOP_BYTES) {
        respond(exchange, response, decoded.outputs(), model, trace, received);
      } else {
        exchange.runOn(workers, () -> respond(exchange, response, decoded.outputs(), model, trace, received));
      }
    });
  }

  private void respond(Exchange exchange, InferenceResponse response, OutputSelection outputs, Model model,
      Trace trace, long received) {
    if (trace != null) trace.sendStarted();
    try {
      // Binary outputs go out wrapped, not copied: their memory is given back once written.
      exchange.send(InferResponseEncoder.encode(exchange.alloc(), response, outputs, model), response::close);
    } catch (RuntimeException e) {
      response.close();
      exchange.sendError(e);
    }
    if (trace != null) trace.sendEnded();
    latency.record(model.name(), System.nanoTime() - received);
  }

  /**
   * The bytes of output data to be written as JSON text or copied into shared memory; binary outputs
   * are only wrapped, at no cost.
   */
  private static long jsonBytes(InferenceResponse response, OutputSelection outputs) {
    long total = 0;
    for (var o : response.outputs().entrySet()) {
      if (!outputs.binary(o.getKey()) || outputs.classification(o.getKey()) > 0 || outputs.sharedMemory(o.getKey()) != null) {
        total += o.getValue().byteSize();
      }
    }
    return total;
  }

  /**
   * The body as one direct buffer, so binary tensors can be views of it: a large body already is
   * (see {@link LargeBodyCollector}); a smaller one is usually a list of network reads, and this is
   * its one copy.
   */
  private static ByteBuf contiguous(Exchange exchange, ByteBuf body) {
    if (body.isDirect() && body.nioBufferCount() == 1) {
      return body;
    }
    ByteBuf copy = exchange.alloc().directBuffer(body.readableBytes());
    copy.writeBytes(body, body.readerIndex(), body.readableBytes());
    exchange.holdUntilDone(copy);
    return copy;
  }

  /** The JSON header's length: the whole body when the header is absent. */
  static int headerLength(String header, int contentLength) {
    if (header == null) return contentLength;
    long value;
    try {
      value = Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument(
          "Unable to parse " + InferResponseEncoder.HEADER_LENGTH + ", got: " + header);
    }
    if (value < 0 || value > contentLength) {
      throw new NereidException.InvalidArgument(
          "inference header size should be in range (0, " + contentLength + "), got: " + header);
    }
    return (int) value;
  }
}
