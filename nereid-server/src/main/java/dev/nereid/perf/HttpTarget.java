package dev.nereid.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nereid.InferenceRequest;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.proto.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Drives a model of a remote server over KServe v2 HTTP with the binary tensor extension, as Triton's
 * clients do: a JSON header, then the raw tensors, with {@code Inference-Header-Content-Length}.
 */
public final class HttpTarget implements PerfTarget {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String model;
  private final String versionPath;
  private byte[] body;
  private int headerLength;
  private int batchSize = 1;

  public HttpTarget(String hostPort, String model, long version) {
    this.base = hostPort.startsWith("http") ? hostPort : "http://" + hostPort;
    this.model = model;
    this.versionPath = version < 0 ? "" : "/versions/" + version;
  }

  /** The model's config, as the server reports it. */
  public ModelConfig config() {
    return ModelConfigs.parseJson(get("/v2/models/" + model + versionPath + "/config"));
  }

  /** Sets the request every call sends. */
  public HttpTarget request(InferenceRequest inference, int batch) {
    ObjectNode header = JSON.createObjectNode();
    if (!inference.requestId().isEmpty()) header.put("id", inference.requestId());
    ArrayNode inputs = header.putArray("inputs");
    ByteArrayOutputStream tensors = new ByteArrayOutputStream();
    inference.inputs().forEach((name, value) -> {
      Tensor t = (Tensor) value;
      ObjectNode input = inputs.addObject().put("name", name).put("datatype", t.dataType().kserveName());
      ArrayNode shape = input.putArray("shape");
      for (long d : t.shape()) shape.add(d);
      input.putObject("parameters").put("binary_data_size", t.byteSize());
      ByteBuffer data = t.data();
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      tensors.writeBytes(bytes);
    });
    header.putObject("parameters").put("binary_data_output", true);
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(json);
    all.writeBytes(tensors.toByteArray());
    this.body = all.toByteArray();
    this.headerLength = json.length;
    this.batchSize = batch;
    return this;
  }

  private HttpRequest inferRequest() {
    return HttpRequest.newBuilder(URI.create(base + "/v2/models/" + model + versionPath + "/infer"))
        .header("Content-Type", "application/octet-stream")
        .header("Inference-Header-Content-Length", Integer.toString(headerLength))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  @Override
  public void infer() throws IOException, InterruptedException {
    HttpResponse<byte[]> response = client.send(inferRequest(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8));
    }
  }

  @Override
  public CompletableFuture<?> inferAsync() {
    return client.sendAsync(inferRequest(), HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> {
      if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode());
      return r;
    });
  }

  @Override
  public Optional<ModelStatistics.InferenceStats> statistics() {
    try {
      JsonNode stats = JSON.readTree(get("/v2/models/" + model + versionPath + "/stats")).path("model_stats");
      ModelStatistics.InferenceStats total = InProcessTarget.empty();
      for (JsonNode s : stats) {
        JsonNode i = s.path("inference_stats");
        total = InProcessTarget.sum(total, new ModelStatistics.InferenceStats(d(i, "success"), d(i, "fail"),
            d(i, "queue"), d(i, "compute_input"), d(i, "compute_infer"), d(i, "compute_output"), d(i, "cache_hit"),
            d(i, "cache_miss")));
      }
      return Optional.of(total);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static ModelStatistics.Duration d(JsonNode stats, String field) {
    JsonNode n = stats.path(field);
    return new ModelStatistics.Duration(n.path("count").asLong(), n.path("ns").asLong());
  }

  private String get(String path) {
    try {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new NereidException.Unavailable("GET " + path + " answered HTTP " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new NereidException.Unavailable("GET " + base + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NereidException.Unavailable("interrupted", e);
    }
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public void close() {
    client.close();
  }
}
