package dev.nereid.analyze;

import dev.nereid.InferenceRequest;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.perf.HttpTarget;
import dev.nereid.perf.InProcessTarget;
import dev.nereid.perf.PerfTarget;
import dev.nereid.proto.ModelConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Where the analyzer puts each configuration: it (re)loads the model with that config, the way a
 * repository load with a {@code config} override does, and hands back a target to drive it.
 */
public sealed interface Deployment permits Deployment.InProcess, Deployment.Remote {
  /** The config the model has now, which each point changes. */
  ModelConfig baseConfig();

  /**
   * Loads the model with {@code config} and returns a target sending {@code request}.
   *
   * @throws NereidException when the config does not load; the message is the server's
   */
  PerfTarget deploy(ModelConfig config, InferenceRequest request, int batchSize);

  /** An embedded server in EXPLICIT control mode. */
  record InProcess(Server server, String modelName) implements Deployment {
    @Override
    public ModelConfig baseConfig() {
      return server.model(modelName).config();
    }

    @Override
    public PerfTarget deploy(ModelConfig config, InferenceRequest request, int batchSize) {
      return new InProcessTarget(server.load(modelName, Map.of("config", ModelConfigs.toJson(config))), request, batchSize);
    }
  }

  /** A running server (nereid serve, Triton) in EXPLICIT control mode, over KServe v2 HTTP. */
  record Remote(String hostPort, String modelName) implements Deployment {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Override
    public ModelConfig baseConfig() {
      return new HttpTarget(hostPort, modelName, -1).config();
    }

    @Override
    public PerfTarget deploy(ModelConfig config, InferenceRequest request, int batchSize) {
      String base = hostPort.startsWith("http") ? hostPort : "http://" + hostPort;
      String body = "{\"parameters\":{\"config\":" + quote(ModelConfigs.toJson(config)) + "}}";
      HttpRequest load = HttpRequest.newBuilder(URI.create(base + "/v2/repository/models/" + modelName + "/load"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
      HttpResponse<String> response;
      try {
        response = CLIENT.send(load, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new NereidException.Unavailable("cannot reach " + base + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NereidException.Unavailable("interrupted while loading '" + modelName + "'", e);
      }
      if (response.statusCode() != 200) {
        throw new NereidException.InvalidArgument("loading '" + modelName + "' answered HTTP " + response.statusCode()
            + ": " + response.body());
      }
      return new HttpTarget(hostPort, modelName, -1).request(request, batchSize);
    }

    private static String quote(String s) {
      StringBuilder out = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          default -> {
            if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
          }
        }
      }
      return out.append('"').toString();
    }
  }
}
