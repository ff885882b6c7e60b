package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.testing.javamodels.ContextInfoModel;
import dev.nereid.testing.javamodels.CountdownModel;
import dev.nereid.testing.javamodels.FailingInitModel;
import dev.nereid.testing.javamodels.JavaModelEvents;
import dev.nereid.testing.javamodels.ScaleModel;
import dev.nereid.testing.javamodels.ThrowingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The java backend: models from the class path, their lifecycle, errors and metrics. */
class JavaModelTest {
  static final String SCALE_TENSORS = """
      input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
      output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
      """;

  @TempDir Path repo;

  private TestRepository models() {
    return new TestRepository(repo);
  }

  private Server explicit() {
    return new Server(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT).build())
        .start();
  }

  private static InferenceResponse scale(Model model, float... x) {
    return model.infer(Map.of("X", Tensor.of(x, x.length))).next();
  }

  @Test
  void classPathModelServesAndAutoCompletesItsConfig() {
    models().model("tripler", JavaModels.config(ScaleModel.class, """
        parameters { key: "factor" value { string_value: "3" } }
        instance_group [ { count: 2 } ]
        """), 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      Model scale = server.model("tripler");
      assertThat(scale.ready()).isTrue();
      assertThat(scale(scale, 1f, 2f, -4f).output("Y").toFloatArray()).containsExactly(3f, 6f, -12f);
      // The config declared no tensors; the class's static autoCompleteConfig added them.
      assertThat(scale.config().getInputList()).extracting(i -> i.getName()).containsExactly("X");
      assertThat(scale.metadata().outputs()).extracting(ModelMetadata.TensorMetadata::name).containsExactly("Y");
      assertThat(scale.metadata().platform()).isEqualTo("java");
      assertThat(JavaModelEvents.initializedStartingWith("tripler/"))
          .containsExactlyInAnyOrder("tripler/1/tripler_0_0", "tripler/1/tripler_0_1");
    }
  }

  @Test
  void strictConfigSkipsAutoComplete() {
    models().model("strict_scale", JavaModels.config(ScaleModel.class, ""), 1);
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).strictModelConfig(true).build()).start()) {
      assertThat(server.model("strict_scale").config().getInputCount()).isZero();
    }
  }

  @Test
  void contextDescribesTheModelVersionAndInstance() {
    models().model("info", JavaModels.config(ContextInfoModel.class, """
        max_batch_size: 0
        parameters { key: "greeting" value { string_value: "hi" } }
        output [ { name: "INFO" data_type: TYPE_STRING dims: [ -1 ] } ]
        instance_group [ { name: "workers" count: 1 kind: KIND_CPU } ]
        """), 7);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      String[] info = server.model("info").infer(Map.of()).next().output("INFO").toStrings();
      assertThat(info).containsExactly(
          "name=info", "version=7", "instance=workers_0", "index=0", "kind=KIND_CPU", "device=-1", "greeting=hi",
          "parameters=[class, greeting]", "versionDirectory=" + repo.resolve("info").resolve("7"),
          "modelDirectory=" + repo.resolve("info"), "decoupled=false", "logger=dev.nereid.model.info",
          "maxBatchSize=0");
    }
  }

  @Test
  void decoupledJavaModelSendsResponsesFromItsOwnThreadThenTheFinalFlag() {
    models().model("countdown", JavaModels.config(CountdownModel.class, """
        model_transaction_policy { decoupled: true }
        input [ { name: "N" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "I" data_type: TYPE_INT32 dims: [ 1 ] } ]
        """), 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      List<InferenceResponse> responses = new ArrayList<>();
      server.model("countdown").infer(Map.of("N", new int[] {3})).forEach(responses::add);
      assertThat(responses).hasSize(4);
      assertThat(responses.subList(0, 3)).extracting(r -> r.output("I").toIntArray()[0]).containsExactly(2, 1, 0);
      assertThat(responses.subList(0, 3)).extracting(InferenceResponse::isFinal).containsOnly(false);
      assertThat(responses.get(3).isFinal()).isTrue();
      assertThat(responses.get(3).outputs()).isEmpty();
    }
  }

  @Test
  void modelThatThrowsInInitializeIsUnavailableWithTheExceptionMessage() {
    models().model("failing_init", JavaModels.config(FailingInitModel.class, SCALE_TENSORS), 1)
        .model("scale", JavaModels.config(ScaleModel.class, SCALE_TENSORS), 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      ModelIndexEntry row = TestRepository.row(server, "failing_init", 1);
      assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(row.reason()).contains("failing_init")
          .contains("weights file missing: " + repo.resolve("failing_init/1/weights.bin"));
      assertThat(server.model("failing_init").reason()).isEqualTo(row.reason());
      assertThatThrownBy(() -> scale(server.model("failing_init"), 1f)).isInstanceOf(NereidException.Unavailable.class)
          .hasMessageContaining("weights file missing");
      // A model never initialized is never finalized; the server serves the others.
      assertThat(JavaModelEvents.finalizedStartingWith("failing_init")).isEmpty();
      assertThat(scale(server.model("scale"), 1f).output("Y").toFloatArray()).containsExactly(2f);
    }
  }

  @Test
  void exceptionFromExecuteBecomesAnErrorResponseNamingTheModelAndTheException() {
    models().model("throwing", JavaModels.config(ThrowingModel.class, SCALE_TENSORS), 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      Model throwing = server.model("throwing");
      assertThatThrownBy(() -> scale(throwing, -1f)).isInstanceOf(NereidException.Internal.class)
          .hasMessageContaining("model 'throwing'")
          .hasMessageContaining("java.lang.IllegalArgumentException: negative values are not allowed");
      // A NereidException keeps its code.
      assertThatThrownBy(() -> scale(throwing, -2f)).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("model 'throwing'").hasMessageContaining("the model refuses -2");
      // Returned as a response too, and the instance keeps serving.
      InferenceResponse failed = throwing.infer(Map.of("X", new float[] {-1f})).raiseOnError(false).next();
      assertThat(failed.isFinal()).isTrue();
      assertThat(failed.error()).get().extracting(NereidException::code).isEqualTo(ErrorCode.INTERNAL);
      assertThat(scale(throwing, 5f).output("Y").toFloatArray()).containsExactly(5f);
      ModelStatistics.InferenceStats stats = throwing.statistics().get(0).inferenceStats();
      assertThat(stats.fail().count()).isEqualTo(3);
      assertThat(stats.success().count()).isEqualTo(1);
    }
  }

  @Test
  void finalizeRunsOnUnloadAndOnStop() {
    models().model("fin", JavaModels.config(ScaleModel.class, SCALE_TENSORS + "instance_group [ { count: 2 } ]"), 1);
    Server server = explicit();
    try {
      server.load("fin");
      assertThat(JavaModelEvents.initializedStartingWith("fin/")).hasSize(2);
      server.unload("fin", UnloadOption.WAIT);
      assertThat(JavaModelEvents.finalizedStartingWith("fin/")).containsExactlyInAnyOrder("fin/1/fin_0_0", "fin/1/fin_0_1");

      server.load("fin");
      assertThat(JavaModelEvents.initializedStartingWith("fin/")).hasSize(4);
    } finally {
      server.stop();
    }
    assertThat(JavaModelEvents.finalizedStartingWith("fin/")).hasSize(4);
  }

  @Test
  void missingOrWrongClassLeavesTheModelUnavailableWithAClearReason() {
    models().model("no_class", "backend: \"java\"\n" + SCALE_TENSORS, 1)
        .model("unknown_class", JavaModels.config("com.example.DoesNotExist", SCALE_TENSORS), 1)
        .model("not_a_model", JavaModels.config(String.class, SCALE_TENSORS), 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.model("no_class").reason()).contains("model 'no_class'")
          .contains("names no class").contains("parameters { key: \"class\"");
      assertThat(server.model("unknown_class").reason())
          .contains("class 'com.example.DoesNotExist' not found on the class path");
      assertThat(server.model("not_a_model").reason())
          .contains("class 'java.lang.String' does not implement dev.nereid.model.JavaModel");
      assertThat(server.ready()).isFalse();
    }
  }

  @Test
  void customMetricOfAModelAppearsInServerMetrics() {
    models().model("metered", JavaModels.config(ScaleModel.class, SCALE_TENSORS), 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      for (int i = 0; i < 3; i++) scale(server.model("metered"), i);
      // Under the name the model gave, typed counter, as Triton writes it (no "_total" added).
      assertThat(server.metrics()).contains("# HELP java_test_model_requests Requests run by Java test models\n"
              + "# TYPE java_test_model_requests counter\n")
          .contains("java_test_model_requests{instance=\"metered_0\",model=\"metered\"} 3\n");
    }
  }
}
