package dev.nereid.http;

import dev.nereid.frontend.FrontendExtensions;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.nereid.ModelMetadata;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerMetadata;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The endpoints that read the server's state: health, server and model metadata, model readiness,
 * config and statistics.
 * All answer from memory, on the event loop.
 */
final class InfoEndpoints {
  private final Server server;

  InfoEndpoints(Server server) {
    this.server = server;
  }

  void handle(Exchange exchange, Route route) {
    switch (route.kind()) {
      case HEALTH_LIVE -> exchange.sendEmpty(server.live() ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST);
      case HEALTH_READY -> exchange.sendEmpty(server.ready() ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST);
      case SERVER_METADATA -> serverMetadata(exchange);
      case MODEL_METADATA -> modelMetadata(exchange, route);
      case MODEL_READY -> modelReady(exchange, route);
      case MODEL_CONFIG -> exchange.sendJson(HttpResponseStatus.OK, Unpooled.copiedBuffer(
          server.model(route.model(), route.modelVersion()).configJson(), StandardCharsets.UTF_8));
      case MODEL_STATS -> statistics(exchange, server.model(route.model(), route.modelVersion()).statistics());
      case ALL_STATS -> statistics(exchange, server.statistics());
      default -> throw new IllegalArgumentException("not an info endpoint: " + route.kind());
    }
  }

  private void serverMetadata(Exchange exchange) {
    ServerMetadata metadata = server.metadata();
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartObject();
      g.writeStringField("name", metadata.name());
      g.writeStringField("version", metadata.version());
      g.writeArrayFieldStart("extensions");
      for (String e : FrontendExtensions.of(metadata)) g.writeString(e);
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private void modelMetadata(Exchange exchange, Route route) {
    ModelMetadata metadata = server.model(route.model(), route.modelVersion()).metadata();
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartObject();
      g.writeStringField("name", metadata.name());
      g.writeArrayFieldStart("versions");
      for (String v : metadata.versions()) g.writeString(v);
      g.writeEndArray();
      g.writeStringField("platform", metadata.platform());
      writeTensors(g, "inputs", metadata.inputs());
      writeTensors(g, "outputs", metadata.outputs());
      g.writeEndObject();
    }));
  }

  private static void writeTensors(JsonGenerator g, String field, List<ModelMetadata.TensorMetadata> tensors)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (ModelMetadata.TensorMetadata t : tensors) {
      g.writeStartObject();
      g.writeStringField("name", t.name());
      g.writeStringField("datatype", t.datatype());
      g.writeArrayFieldStart("shape");
      for (long d : t.shape()) g.writeNumber(d);
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private void modelReady(Exchange exchange, Route route) {
    boolean ready;
    try {
      ready = server.model(route.model(), route.modelVersion()).ready();
    } catch (NereidException.InvalidArgument e) {
      ready = false; // an unknown model is simply not ready
    }
    if (ready) {
      exchange.sendEmpty(HttpResponseStatus.OK);
    } else {
      exchange.sendError(HttpResponseStatus.BAD_REQUEST, "Model version not ready");
    }
  }

  private static void statistics(Exchange exchange, List<ModelStatistics> stats) {
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("model_stats");
      for (ModelStatistics s : stats) writeStatistics(g, s);
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private static void writeStatistics(JsonGenerator g, ModelStatistics s) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", s.name());
    g.writeStringField("version", s.version());
    g.writeNumberField("last_inference", s.lastInference());
    g.writeNumberField("inference_count", s.inferenceCount());
    g.writeNumberField("execution_count", s.executionCount());
    ModelStatistics.InferenceStats i = s.inferenceStats();
    g.writeObjectFieldStart("inference_stats");
    writeDuration(g, "success", i.success());
    writeDuration(g, "fail", i.fail());
    writeDuration(g, "queue", i.queue());
    writeDuration(g, "compute_input", i.computeInput());
    writeDuration(g, "compute_infer", i.computeInfer());
    writeDuration(g, "compute_output", i.computeOutput());
    writeDuration(g, "cache_hit", i.cacheHit());
    writeDuration(g, "cache_miss", i.cacheMiss());
    g.writeEndObject();
    g.writeArrayFieldStart("batch_stats");
    for (ModelStatistics.BatchStats b : s.batchStats()) {
      g.writeStartObject();
      g.writeNumberField("batch_size", b.batchSize());
      writeDuration(g, "compute_input", b.computeInput());
      writeDuration(g, "compute_infer", b.computeInfer());
      writeDuration(g, "compute_output", b.computeOutput());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeDuration(JsonGenerator g, String field, ModelStatistics.Duration d) throws IOException {
    g.writeObjectFieldStart(field);
    g.writeNumberField("count", d.count());
    g.writeNumberField("ns", d.ns());
    g.writeEndObject();
  }
}
