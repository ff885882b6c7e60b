package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.ModelControlMode;
import dev.nereid.ServerOptions;
import dev.nereid.tracing.Tracing;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests a model makes of other models while it executes a traced request (business logic
 * scripting) show in Triton's trace file as that request's children ({@code parent_id}), without the
 * model passing the trace: a Java model calling on its instance thread, and a Python model, which may
 * also name the request it acts for with {@code trace=request.trace()} as in Triton.
 */
class BlsTracingTest {
  @TempDir static Path temp;
  static TestHttp http;
  static Tracing tracing;

  @BeforeAll
  static void start() throws Exception {
    Path repo = temp.resolve("models");
    for (String step : List.of("step_a", "step_b")) {
      TestHttp.writeModel(repo, step, """
          backend: "identity"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
          """);
    }
    TestHttp.writeModel(repo, "scale", """
        backend: "java"
        parameters { key: "class" value { string_value: "dev.nereid.testing.javamodels.ScaleModel" } }
        input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
        """);
    TestHttp.writeModel(repo, "java_bls", """
        backend: "java"
        parameters { key: "class" value { string_value: "dev.nereid.testing.javamodels.BlsModel" } }
        parameters { key: "target" value { string_value: "scale" } }
        input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] },
                 { name: "CHILD_ID" data_type: TYPE_STRING dims: [ 1 ] },
                 { name: "ERROR" data_type: TYPE_STRING dims: [ 1 ] } ]
        """);
    Path python = TestHttp.writeModel(repo, "python_bls", """
        backend: "python"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """);
    // step_a named with the request's trace, as Triton asks; step_b left to join the trace by itself.
    Files.writeString(python.resolve("1/model.py"), """
        import triton_python_backend_utils as pb_utils

        class TritonPythonModel:
            def execute(self, requests):
                responses = []
                for request in requests:
                    x = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
                    a = pb_utils.InferenceRequest(model_name="step_a", inputs=[pb_utils.Tensor("INPUT0", x)],
                                                  requested_output_names=["OUTPUT0"], trace=request.trace()).exec()
                    y = pb_utils.get_output_tensor_by_name(a, "OUTPUT0").as_numpy()
                    b = pb_utils.InferenceRequest(model_name="step_b", inputs=[pb_utils.Tensor("INPUT0", y * 2)],
                                                  requested_output_names=["OUTPUT0"]).exec()
                    out = pb_utils.get_output_tensor_by_name(b, "OUTPUT0").as_numpy()
                    responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT0", out)]))
                return responses
        """);
    http = TestHttp.start(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.NONE).build(),
        o -> o);
    tracing = Tracing.of(http.server);
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  /** Traces every request into a fresh Triton trace file while the requests run; returns its entries. */
  private static JsonNode traced(String model, String body) throws Exception {
    Path file = temp.resolve(model + "-trace.json");
    tracing.configure(List.of("mode=triton", "level=TIMESTAMPS", "rate=1", "triton,file=" + file));
    try {
      HttpResponse<String> r = http.post("/v2/models/" + model + "/infer", body);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      TestHttp.await("the trace file", () -> {
        tracing.flush();
        return Files.exists(file);
      });
      return TestHttp.JSON.readTree(file.toFile());
    } finally {
      tracing.configure(List.of("level=OFF"));
    }
  }

  /** The trace headers of the file: model name, id and parent id (0: none) of each traced request. */
  private static List<JsonNode> headers(JsonNode file) {
    List<JsonNode> out = new ArrayList<>();
    file.forEach(e -> {
      if (e.has("model_name")) out.add(e);
    });
    return out;
  }

  private static JsonNode header(JsonNode file, String model) {
    return headers(file).stream().filter(e -> e.path("model_name").asText().equals(model)).findFirst()
        .orElseThrow(() -> new AssertionError("no trace of " + model + " in " + file));
  }

  @Test
  void aJavaModelsCallsAreChildrenOfTheRequestItExecutes() throws Exception {
    JsonNode file = traced("java_bls", """
        {"id":"java-1","inputs":[{"name":"X","datatype":"FP32","shape":[2],"data":[1,2]}],"outputs":[{"name":"Y"}]}""");
    JsonNode parent = header(file, "java_bls");
    assertThat(parent.has("parent_id")).isFalse();
    assertThat(parent.path("request_id").asText()).isEqualTo("java-1");
    JsonNode child = header(file, "scale");
    assertThat(child.path("parent_id").asLong()).isEqualTo(parent.path("id").asLong());
    assertThat(headers(file)).hasSize(2);
  }

  @Test
  void aPythonModelsCallsAreChildrenWithOrWithoutNamingTheTrace() throws Exception {
    JsonNode file = traced("python_bls", """
        {"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[4],"data":[1,2,3,4]}]}""");
    long parent = header(file, "python_bls").path("id").asLong();
    assertThat(header(file, "step_a").path("parent_id").asLong()).isEqualTo(parent);
    assertThat(header(file, "step_b").path("parent_id").asLong()).isEqualTo(parent);
    assertThat(headers(file)).hasSize(3);
  }
}
