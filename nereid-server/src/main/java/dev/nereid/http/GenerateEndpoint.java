package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelMetadata;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.Tensor;
import dev.nereid.tracing.Trace;
import dev.nereid.tracing.Tracing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * The generate extension: {@code POST .../generate} answers one JSON object, {@code .../generate_stream}
 * a server-sent event per response. The request's top-level fields that name model inputs become
 * tensors (shaped from the model's dims), the rest (and the fields of {@code parameters}) become
 * request parameters; each response is flattened back into one object, one-element outputs as scalars.
 * Requests are traced as {@code infer} requests are ({@code HTTP_*} timestamps, {@code traceparent}
 * continued), with each event of a stream as a send.
 */
final class GenerateEndpoint {
  private static final byte[] EVENT_PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT_SUFFIX = "\n\n".getBytes(StandardCharsets.US_ASCII);

  private final Server server;
  private final Executor workers;
  private final Tracing tracing;

  GenerateEndpoint(Server server, Executor workers, Tracing tracing) {
    this.server = server;
    this.workers = workers;
    this.tracing = tracing;
  }

  void handle(Exchange exchange, Route route, boolean streaming) {
    long received = System.nanoTime();
    if (exchange.largeBody()) {
      exchange.runOn(workers, () -> submit(exchange, route, streaming, received));
    } else {
      submit(exchange, route, streaming, received);
    }
  }

  private void submit(Exchange exchange, Route route, boolean streaming, long received) {
    Model model = server.model(route.model(), route.modelVersion());
    ModelMetadata metadata = model.metadata();
    JsonNode root = Json.parse(exchange.request().content());
    if (!root.isObject()) {
      throw new NereidException.InvalidArgument("the generate request must be a JSON object");
    }
    InferenceRequest.Builder builder = InferenceRequest.builder();
    JsonNode id = root.get("id");
    if (id != null) {
      if (!id.isTextual()) throw new NereidException.InvalidArgument("Unable to parse 'id'");
      builder.requestId(id.textValue());
    }
    convert(root, metadata, builder, true);
    Trace trace = !tracing.active() ? null
        : tracing.start(model.name(), "HTTP", received, name -> exchange.request().headers().get(name));
    if (trace != null) {
      trace.requestId(id == null ? "" : id.textValue());
      builder.timeline(trace);
    }
    model.inferStream(builder.build()).subscribe(new Responder(exchange, streaming, model.decoupled(), trace));
  }

  private static void convert(JsonNode object, ModelMetadata metadata, InferenceRequest.Builder builder, boolean top) {
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      String key = field.getKey();
      JsonNode value = field.getValue();
      ModelMetadata.TensorMetadata input = input(metadata, key);
      if (top && key.equals("id")) {
        continue;
      }
      if (top && key.equals("parameters")) {
        if (input != null) {
          throw new NereidException.InvalidArgument(
              "Keyword 'parameters' for nested schema also given as input tensor name");
        }
        if (!value.isObject()) {
          throw new NereidException.InvalidArgument("Expected JSON object for keyword: 'parameters'");
        }
        convert(value, metadata, builder, false);
      } else if (input != null) {
        builder.input(key, tensor(input, value));
      } else {
        InferRequestDecoder.RequestParameters.passThrough(key, value, builder);
      }
    }
  }

  private static ModelMetadata.TensorMetadata input(ModelMetadata metadata, String name) {
    for (ModelMetadata.TensorMetadata t : metadata.inputs()) {
      if (t.name().equals(name)) return t;
    }
    return null;
  }

  /**
   * A tensor from a scalar or a 1-D array, shaped like Triton does it: fixed dimensions take their
   * share of the elements from the innermost out, the innermost variable dimension takes the rest and
   * any other variable dimension is 1.
   */
  private static Tensor tensor(ModelMetadata.TensorMetadata input, JsonNode value) {
    long remaining = value.isArray() ? value.size() : 1;
    long[] shape = input.shape().stream().mapToLong(Long::longValue).toArray();
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != -1) {
        if (shape[i] == 0 || remaining % shape[i] != 0) throw unshapeable(input.name());
        remaining /= shape[i];
      }
    }
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] == -1) {
        shape[i] = remaining;
        remaining = 1;
      }
    }
    if (remaining != 1) throw unshapeable(input.name());
    return JsonTensors.read(input.name(), DataType.parse(input.datatype()), shape, value);
  }

  private static NereidException unshapeable(String name) {
    return new NereidException.InvalidArgument(
        "The schema can not convert input '" + name + "' to tensor with proper shape");
  }

  /** A response flattened: id, model name and version, parameters, then each output by name. */
  private static ByteBuf encode(Exchange exchange, InferenceResponse response, boolean event) {
    ByteBuf json = Json.write(exchange.alloc(), g -> {
      g.writeStartObject();
      if (!response.requestId().isEmpty()) g.writeStringField("id", response.requestId());
      g.writeStringField("model_name", response.model());
      g.writeStringField("model_version", Long.toString(response.modelVersion()));
      InferResponseEncoder.writeParameters(g, response.parameters());
      for (Map.Entry<String, Tensor> o : response.outputs().entrySet()) {
        g.writeFieldName(o.getKey());
        if (o.getValue().elementCount() == 1) {
          JsonTensors.writeElements(g, o.getKey(), o.getValue()); // one element: the scalar itself
        } else {
          JsonTensors.write(g, o.getKey(), o.getValue());
        }
      }
      g.writeEndObject();
    });
    return event ? Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(EVENT_PREFIX), json, Unpooled.wrappedBuffer(EVENT_SUFFIX))
        : json;
  }

  private static ByteBuf errorEvent(Exchange exchange, String message) {
    return Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(EVENT_PREFIX), Json.error(exchange.alloc(), message),
        Unpooled.wrappedBuffer(EVENT_SUFFIX));
  }

  /**
   * Turns a request's responses into the HTTP response. Asks for one response at a time and for the
   * next only when the previous event is written, so a slow client holds back the stream instead of
   * filling memory.
   */
  private static final class Responder implements Flow.Subscriber<InferenceResponse> {
    private final Exchange exchange;
    private final boolean streaming;
    private final boolean decoupled;
    private final List<InferenceResponse> collected = new ArrayList<>(1);
    /** The request's trace, or null when it is not traced. */
    private final Trace trace;
    private Flow.Subscription subscription;
    private boolean started;
    private volatile boolean failed;

    Responder(Exchange exchange, boolean streaming, boolean decoupled, Trace trace) {
      this.exchange = exchange;
      this.streaming = streaming;
      this.decoupled = decoupled;
      this.trace = trace;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(InferenceResponse response) {
      if (failed) return;
      if (decoupled && response.isFinal() && response.outputs().isEmpty() && response.parameters().isEmpty()) {
        subscription.request(1); // the flag-only final response of a decoupled model carries nothing
        return;
      }
      if (!streaming) {
        collected.add(response);
        subscription.request(1);
        return;
      }
      ByteBuf event;
      try {
        event = encode(exchange, response, true);
      } catch (RuntimeException e) {
        fail(Exchange.unwrap(e));
        subscription.cancel();
        return;
      }
      startIfNeeded();
      long sendStart = System.nanoTime();
      exchange.writeChunk(event).addListener(f -> {
        if (f.isSuccess()) {
          if (trace != null) trace.responseSent(sendStart);
          subscription.request(1);
        } else {
          failed = true;
          subscription.cancel();
          exchange.abortStream();
        }
      });
    }

    @Override
    public void onError(Throwable error) {
      if (!failed) fail(Exchange.unwrap(error));
      if (trace != null) trace.ended();
    }

    @Override
    public void onComplete() {
      if (failed) {
        if (trace != null) trace.ended();
        return;
      }
      if (streaming) {
        startIfNeeded();
        // Completion may overtake the last event's write: the trace ends once the stream's end is written.
        ChannelFuture end = exchange.endStream();
        if (trace != null) end.addListener(f -> trace.ended());
        return;
      }
      try {
        complete();
      } finally {
        if (trace != null) trace.ended();
      }
    }

    private void complete() {
      if (collected.size() != 1) {
        exchange.sendError(new NereidException.Internal("generate expects model to produce exactly 1 response, "
            + "use generate stream for model that generates various number of responses"));
      } else {
        try {
          if (trace != null) trace.sendStarted();
          exchange.sendJson(HttpResponseStatus.OK, encode(exchange, collected.get(0), false));
          if (trace != null) trace.sendEnded();
        } catch (RuntimeException e) {
          exchange.sendError(e);
        }
      }
    }

    /** Before the stream starts an error is a plain JSON error; after, it is the stream's last event. */
    private void fail(Throwable error) {
      failed = true;
      if (!streaming || !started) {
        exchange.sendError(error);
        return;
      }
      String message = error instanceof NereidException ? error.getMessage() : "internal error: " + error;
      exchange.writeChunk(errorEvent(exchange, message));
      exchange.endStream();
    }

    private void startIfNeeded() {
      if (started) return;
      started = true;
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      exchange.startStream(head);
    }
  }
}
