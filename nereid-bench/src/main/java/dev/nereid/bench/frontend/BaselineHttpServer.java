package dev.nereid.bench.frontend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What a competent user writes instead of a front end: the JDK's {@code HttpServer} on a fixed pool,
 * one reused Jackson {@link ObjectMapper} binding KServe v2 JSON to records, and a direct
 * {@link Model#infer} call. FP32 tensors only (what the comparison sends); errors are 400 with
 * {@code {"error": ...}}.
 */
final class BaselineHttpServer implements AutoCloseable {
  /** A KServe v2 infer request, as much of it as this server reads. */
  record InferRequestJson(String id, List<TensorJson> inputs) {}

  /** A tensor in KServe v2 JSON form. */
  record TensorJson(String name, String datatype, long[] shape, float[] data) {}

  /** A KServe v2 infer response. */
  record InferResponseJson(String model_name, String model_version, List<TensorJson> outputs) {}

  private final HttpServer http;
  private final ExecutorService executor;

  private BaselineHttpServer(HttpServer http, ExecutorService executor) {
    this.http = http;
    this.executor = executor;
  }

  /** Serves {@code POST /v2/models/<model>/infer} on a free port with a pool of {@code threads}. */
  static BaselineHttpServer start(Model model, int threads) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    http.setExecutor(executor);
    http.createContext("/v2/models/" + model.name() + "/infer", exchange -> {
      try (exchange) {
        byte[] body;
        int status = 200;
        try (InputStream in = exchange.getRequestBody()) {
          body = mapper.writeValueAsBytes(infer(model, mapper.readValue(in, InferRequestJson.class)));
        } catch (RuntimeException | IOException e) {
          status = 400;
          body = mapper.writeValueAsBytes(Map.of("error", String.valueOf(e.getMessage())));
        }
        respond(exchange, status, body);
      }
    });
    http.start();
    return new BaselineHttpServer(http, executor);
  }

  private static InferResponseJson infer(Model model, InferRequestJson request) {
    InferenceRequest.Builder builder = InferenceRequest.builder();
    if (request.id() != null) builder.requestId(request.id());
    for (TensorJson input : request.inputs()) {
      if (!"FP32".equals(input.datatype())) throw new IllegalArgumentException("only FP32 inputs are served");
      builder.input(input.name(), Tensor.of(input.data(), input.shape()));
    }
    InferenceResponse response = model.infer(builder.build()).next();
    List<TensorJson> outputs = new ArrayList<>(response.outputs().size());
    response.outputs().forEach((name, tensor) -> outputs.add(
        new TensorJson(name, tensor.dataType().kserveName(), tensor.shape(), tensor.toFloatArray())));
    return new InferResponseJson(response.model(), Long.toString(response.modelVersion()), outputs);
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
