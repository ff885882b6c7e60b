package dev.nereid.fil;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FIL config parameters and what a wrong config or file gets: {@code threshold}, {@code output_class},
 * {@code predict_proba} and {@code threads} on one model; a failed load leaves the model UNAVAILABLE with a
 * reason naming the mistake while the other models serve.
 */
class FilConfigTest {
  static final Path BINARY = FilRepository.resource("xgboost17/binary/xgboost.json");
  static final Path REGRESSION = FilRepository.resource("xgboost17/regression/xgboost.json");

  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() throws IOException {
    FilRepository repo = new FilRepository(dir);
    repo.add("proba", BINARY, "xgboost.json", FilRepository.config("xgboost_json", 12, 2, "predict_proba", "true"))
        .add("class_03", BINARY, "xgboost.json", FilRepository.config("xgboost_json", 12, 1, "threshold", "0.3"))
        .add("value", BINARY, "xgboost.json", FilRepository.config("xgboost_json", 12, 1, "output_class", "false"))
        .add("threaded", BINARY, "xgboost.json", FilRepository.config("xgboost_json", 12, 2, "predict_proba", "true",
            "threads", "3", "use_experimental_optimizations", "true", "storage_type", "AUTO", "algo", "ALGO_AUTO",
            "xgboost_allow_unknown_field", "true"))
        .add("default_type_legacy", FilRepository.resource("xgboost17/binary/xgboost.model"), "xgboost.model",
            FilRepository.config("xgboost", 12, 1).replace("  { key: \"model_type\" value: { string_value: \"xgboost\" } }", ""))
        .add("wrong_output_dims", BINARY, "xgboost.json",
            FilRepository.config("xgboost_json", 12, 1, "predict_proba", "true"))
        .add("proba_of_regressor", REGRESSION, "xgboost.json",
            FilRepository.config("xgboost_json", 12, 2, "predict_proba", "true"))
        .add("too_few_features", BINARY, "xgboost.json", FilRepository.config("xgboost_json", 8, 1))
        .add("bad_model_type", BINARY, "xgboost.json", FilRepository.config("xgboost_jsn", 12, 1))
        .add("bad_bool", BINARY, "xgboost.json", FilRepository.config("xgboost_json", 12, 1, "output_class", "yes"))
        .add("wrong_file_name", BINARY, "model.json", FilRepository.config("xgboost_json", 12, 1))
        .add("treelite", BINARY, "checkpoint.tl", FilRepository.config("treelite_checkpoint", 12, 1))
        .add("lightgbm_not_text", BINARY, "model.txt", FilRepository.config("lightgbm", 12, 1));
    repo.add("auto_complete", BINARY, "xgboost.json", """
        backend: "fil"
        max_batch_size: 256
        parameters [{ key: "model_type" value: { string_value: "xgboost_json" } },
                    { key: "predict_proba" value: { string_value: "true" } }]
        """);
    Path truncated = dir.resolve("truncated.json");
    byte[] bytes = Files.readAllBytes(BINARY);
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    repo.add("truncated", truncated, "xgboost.json", FilRepository.config("xgboost_json", 12, 1));
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void classValueAndProbabilitiesOfOneModelAgree() {
    float[] x = Rows.random(5, 3000, 12, 0.1);
    float[] proba = Inference.predict(server.model("proba"), x, 12, 2, 10, 1024);
    float[] cls = Inference.predict(server.model("class_03"), x, 12, 1, 10, 1024);
    float[] value = Inference.predict(server.model("value"), x, 12, 1, 10, 1024);
    float[] threaded = Inference.predict(server.model("threaded"), x, 12, 2, 10, 1024);
    float[] legacy = Inference.predict(server.model("default_type_legacy"), x, 12, 1, 10, 1024);
    int ones = 0;
    for (int r = 0; r < 3000; r++) {
      float p = proba[2 * r + 1];
      assertThat(proba[2 * r]).isEqualTo(1 - p);
      assertThat(value[r]).isEqualTo(p);
      assertThat(cls[r]).as("row %d, p %s", r, p).isEqualTo(p > 0.3f ? 1f : 0f);
      assertThat(legacy[r]).as("row %d, p %s (default threshold 0.5)", r, p).isEqualTo(p > 0.5f ? 1f : 0f);
      if (p > 0.3f && p <= 0.5f) ones++;
    }
    assertThat(ones).as("rows where the threshold matters").isGreaterThan(10);
    assertThat(threaded).containsExactly(proba);
  }

  @Test
  void autoCompleteAddsTritonsTensorsFromTheModel() {
    assertThat(server.model("auto_complete").state()).as(server.model("auto_complete").reason())
        .isEqualTo(ModelState.READY);
    var config = server.model("auto_complete").config();
    assertThat(config.getInput(0).getName()).isEqualTo("input__0");
    assertThat(config.getInput(0).getDimsList()).containsExactly(12L);
    assertThat(config.getOutput(0).getName()).isEqualTo("output__0");
    assertThat(config.getOutput(0).getDimsList()).containsExactly(2L);
    float[] x = Rows.random(9, 100, 12, 0.1);
    assertThat(Inference.predict(server.model("auto_complete"), x, 12, 2, 5, 64))
        .containsExactly(Inference.predict(server.model("proba"), x, 12, 2, 5, 64));
  }

  @Test
  void wrongConfigsAndFilesAreUnavailableWithTheirReason() {
    assertReason("wrong_output_dims", "output 'output__0' has dims [1]", "predict_proba", "set dims: [ 2 ]");
    assertReason("proba_of_regressor", "predict_proba is true", "not a classifier");
    assertReason("too_few_features", "input 'input__0' has 8 features", "reads 12");
    assertReason("bad_model_type", "model_type 'xgboost_jsn'", "xgboost_json");
    assertReason("bad_bool", "output_class is 'yes'", "true or false");
    assertReason("wrong_file_name", "xgboost.json does not exist", "default_model_filename");
    assertReason("treelite", "Treelite checkpoints are not supported", "convert_sklearn.py");
    assertReason("lightgbm_not_text", "model.txt is not a LightGBM text model");
    assertReason("truncated", "xgboost.json");
    assertThat(server.model("proba").state()).isEqualTo(ModelState.READY);
  }

  private static void assertReason(String model, String... parts) {
    assertThat(server.model(model).state()).as(model).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model(model).reason()).as(model).contains(parts);
  }
}
