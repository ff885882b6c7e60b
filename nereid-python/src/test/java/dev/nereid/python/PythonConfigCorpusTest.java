package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.TextFormat;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.proto.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Triton's L0_model_config auto-complete cases for python models ({@code src/test/resources/python-corpus}),
 * each with a {@code model.py} of our own whose {@code auto_complete_config} does what the case's does.
 * {@code refused/<model>}: the model must be UNAVAILABLE with a reason holding Triton's text ({@code expected});
 * {@code accepted/<model>}: the model must load and its completed config hold what Triton completes
 * ({@code expected.pbtxt}). All load in one repository beside a good model, which must serve.
 */
class PythonConfigCorpusTest {
  @TempDir static Path repository;
  static Server server;

  static Path corpus(String kind) {
    try {
      return Path.of(PythonConfigCorpusTest.class.getResource("/python-corpus/" + kind).toURI());
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
    PythonRepository.with(repository, "auto_complete");
    for (String kind : List.of("refused", "accepted")) {
      for (String name : cases(kind)) copyTree(corpus(kind).resolve(name), repository.resolve(name));
    }
    server = new Server(ServerOptions.builder().modelRepository(repository).exitTimeout(Duration.ofSeconds(5))
        .build()).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void eachRefusedCaseIsUnavailableWithTritonsReason(String model) throws IOException {
    String expected = Files.readString(corpus("refused").resolve(model).resolve("expected")).strip();
    ModelIndexEntry row = row(model);
    assertThat(row.state()).as(row.reason()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(row.reason()).contains(expected).contains("'" + model + "'");
    assertThat(server.model(model).ready()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void eachAcceptedCaseLoadsWithTheConfigTritonCompletes(String model) throws IOException {
    ModelConfig.Builder expected = ModelConfig.newBuilder();
    TextFormat.merge(Files.readString(corpus("accepted").resolve(model).resolve("expected.pbtxt")), expected);
    ModelIndexEntry row = row(model);
    assertThat(row.state()).as(row.reason()).isEqualTo(ModelState.READY);
    ModelConfig completed = server.model(model).config();
    assertThat(completed.getMaxBatchSize()).isEqualTo(expected.getMaxBatchSize());
    assertThat(completed.getInputList()).isEqualTo(expected.getInputList());
    assertThat(completed.getOutputList()).isEqualTo(expected.getOutputList());
    assertThat(completed.hasDynamicBatching()).isEqualTo(expected.hasDynamicBatching());
    assertThat(completed.getDynamicBatching()).isEqualTo(expected.getDynamicBatching());
    if (expected.hasModelTransactionPolicy()) {
      assertThat(completed.getModelTransactionPolicy()).isEqualTo(expected.getModelTransactionPolicy());
    }
  }

  @Test
  void theGoodModelServesBesideThem() {
    assertThat(server.model("auto_complete").ready()).isTrue();
  }

  private static ModelIndexEntry row(String model) {
    return server.models().values().stream().filter(e -> e.name().equals(model)).findFirst().orElseThrow();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) Files.createDirectories(target);
        else Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
