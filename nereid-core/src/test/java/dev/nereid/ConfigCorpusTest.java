package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The malformed-config corpus ({@code src/test/resources/config-corpus/<model>/config.pbtxt}, each with
 * the part of the reason it must give in {@code expected}): Triton's L0_model_config invalid cases for
 * the features Nereid has, and malformed text. Each model is loaded from one repository beside a good
 * one; each must be UNAVAILABLE with a reason that names its config file, the model and what is wrong,
 * and the good model must serve. The same files seed the config parser's fuzzer.
 */
class ConfigCorpusTest {
  @TempDir static Path repo;
  private static Server server;

  static Path corpus() {
    try {
      return Path.of(ConfigCorpusTest.class.getResource("/config-corpus").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> cases() {
    try (Stream<Path> dirs = Files.list(corpus())) {
      return dirs.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @BeforeAll
  static void start() throws IOException {
    TestRepository r = new TestRepository(repo);
    // The composing model of the corpus's ensembles.
    r.model("good", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
        """, 1);
    // A composing model whose tensors have another shape than good's.
    r.model("dim3", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 2, 2, 2 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 2, 2, 2 ] } ]
        """, 1);
    // A decoupled composing model: one response per unit of its input.
    r.model("square", """
        backend: "square"
        model_transaction_policy { decoupled: true }
        input [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        """, 1);
    for (String name : cases()) {
      r.model(name, Files.readString(corpus().resolve(name).resolve("config.pbtxt")), 1);
    }
    // Configs Triton's L0_model_config accepts (its autofill_noplatform_success ensembles), beside the
    // rules above that refuse their near neighbours: a composing model's output left unmapped, and an
    // ensemble whose step is itself an ensemble.
    r.model("two_outputs", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 1 ] }, { name: "INPUT1" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 1 ] }, { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 1 ] } ]
        """, 1);
    r.model("batch2", """
        backend: "identity"
        max_batch_size: 2
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
        """, 1);
    r.model("accepted_unmapped_output", """
        platform: "ensemble"
        max_batch_size: 0
        input [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        ensemble_scheduling { step [ { model_name: "two_outputs" model_version: -1
          input_map { key: "INPUT0" value: "IN" } input_map { key: "INPUT1" value: "IN" }
          output_map { key: "OUTPUT0" value: "OUT" } } ] }
        """, 1);
    r.model("accepted_embedded_ensemble", """
        platform: "ensemble"
        max_batch_size: 0
        input [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        ensemble_scheduling { step [ { model_name: "accepted_unmapped_output" model_version: -1
          input_map { key: "IN" value: "IN" } output_map { key: "OUT" value: "OUT" } } ] }
        """, 1);
    // A config error in a model without any version folder: the config's error is the one reported.
    r.model("reshape_error_without_files", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 4 ] reshape { shape: [ 5 ] } } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 4 ] } ]
        """);
    server = new Server(ServerOptions.of(repo)).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachInvalidConfigIsRefusedWithAReasonNamingFileModelAndField(String model) throws IOException {
    String expected = Files.readString(corpus().resolve(model).resolve("expected")).strip();
    ModelIndexEntry row = server.models().values().stream()
        .filter(e -> e.name().equals(model)).findFirst().orElseThrow();
    assertThat(row.state()).as(row.reason()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(row.reason()).contains(expected)
        .contains(repo.resolve(model).resolve("config.pbtxt").toString())
        .contains(model);
    assertThat(server.model(model).ready()).isFalse();
  }

  @Test
  void theConfigsOwnErrorComesBeforeMissingModelFiles() {
    ModelIndexEntry row = server.models().values().stream()
        .filter(e -> e.name().equals("reshape_error_without_files")).findFirst().orElseThrow();
    assertThat(row.reason()).contains("model input 'INPUT0' has different size for dims [4] and reshape [5]")
        .doesNotContain("version folders");
  }

  @Test
  void theGoodModelServesBesideThem() {
    assertThat(server.model("good").ready()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"accepted_unmapped_output", "accepted_embedded_ensemble"})
  void configsTritonAcceptsAreServed(String model) {
    ModelIndexEntry row = server.models().values().stream()
        .filter(e -> e.name().equals(model)).findFirst().orElseThrow();
    assertThat(row.state()).as(row.reason()).isEqualTo(ModelState.READY);
    try (ResponseIterator responses = server.model(model).infer(Map.of("IN", new int[] {7}))) {
      assertThat(responses.next().output("OUT").toIntArray()).containsExactly(7);
    }
  }
}
