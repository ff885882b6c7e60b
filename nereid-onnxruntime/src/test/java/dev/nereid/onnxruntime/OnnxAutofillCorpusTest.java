package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.TextFormat;
import dev.nereid.Model;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.proto.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Triton's L0_model_config auto-complete cases for ONNX models ({@code src/test/resources/onnx-autofill-corpus}),
 * run against small ONNX models with the tensors of Triton's QA models (written by
 * {@code src/test/python/generate_models.py}; each case's {@code model} file names the one it uses).
 * {@code refused/<model>}: the model must be UNAVAILABLE with a reason holding Triton's text ({@code expected});
 * {@code accepted/<model>}: the model must load, its completed config must hold what Triton completes
 * ({@code expected.pbtxt}). All load in one repository beside a good model, which must serve.
 */
class OnnxAutofillCorpusTest {
  @TempDir static Path dir;
  static Server server;

  static Path corpus(String kind) {
    try {
      return Path.of(OnnxAutofillCorpusTest.class.getResource("/onnx-autofill-corpus/" + kind).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> refused() {
    return cases("refused");
  }

  static List<String> accepted() {
    return cases("accepted");
  }

  private static List<String> cases(String kind) {
    try (Stream<Path> dirs = Files.list(corpus(kind))) {
      return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @BeforeAll
  static void start() throws IOException {
    TestRepository repo = new TestRepository(dir).add("good", "autofill/int32_int8_int8.onnx", null);
    for (String kind : List.of("refused", "accepted")) {
      for (String name : cases(kind)) {
        Path folder = corpus(kind).resolve(name);
        Path config = folder.resolve("config.pbtxt");
        repo.add(name, Files.readString(folder.resolve("model")).strip(),
            Files.exists(config) ? Files.readString(config) : null);
      }
    }
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void eachRefusedCaseIsUnavailableWithTritonsReason(String name) throws IOException {
    String expected = Files.readString(corpus("refused").resolve(name).resolve("expected")).strip();
    Model model = server.model(name);
    assertThat(model.state()).as(model.reason()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(model.reason()).contains(expected).contains("'" + name + "'");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void eachAcceptedCaseLoadsWithTheConfigTritonCompletes(String name) throws IOException {
    String text = Files.readString(corpus("accepted").resolve(name).resolve("expected.pbtxt"));
    ModelConfig.Builder expected = ModelConfig.newBuilder();
    TextFormat.merge(text, expected);
    Model model = server.model(name);
    assertThat(model.state()).as(model.reason()).isEqualTo(ModelState.READY);
    ModelConfig completed = model.config();
    // Triton's expected configs list the tensors in the order ONNX Runtime reports them, which varies
    // (its cases carry one expected file per order); batching is compared where the case states it.
    assertThat(completed.getInputList()).containsExactlyInAnyOrderElementsOf(expected.getInputList());
    assertThat(completed.getOutputList()).containsExactlyInAnyOrderElementsOf(expected.getOutputList());
    if (text.contains("max_batch_size")) {
      assertThat(completed.getMaxBatchSize()).isEqualTo(expected.getMaxBatchSize());
      assertThat(completed.hasDynamicBatching()).isEqualTo(expected.hasDynamicBatching());
    }
  }

  @Test
  void theGoodModelServesBesideThem() {
    assertThat(server.model("good").state()).isEqualTo(ModelState.READY);
  }
}
