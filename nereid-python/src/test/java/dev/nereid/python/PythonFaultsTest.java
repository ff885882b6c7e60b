package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.UnloadOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Python models that raise, crash their stub, or never finish: the server answers and keeps serving. */
@Timeout(120)
class PythonFaultsTest {
  @TempDir Path repository;

  private static long pid(Server server) {
    return server.model("crasher").infer(Map.of("X", new int[] {9})).next().output("PID").toLongArray()[0];
  }

  @Test
  void anExceptionInExecuteBecomesAnErrorNamingModelAndException() {
    try (Server server = PythonRepository.serve(repository, "raiser")) {
      assertThatThrownBy(() -> server.model("raiser").infer(Map.of("X", new float[] {-1})).next())
          .isInstanceOf(NereidException.Internal.class)
          .hasMessageContaining("model 'raiser'")
          .hasMessageContaining("ValueError: negative input -1.0");
      assertThatThrownBy(() -> server.model("raiser").infer(Map.of("X", new float[] {0})).next())
          .isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessage("zero is not allowed");
      assertThatThrownBy(() -> server.model("raiser").infer(Map.of("X", new float[] {7})).next())
          .isInstanceOf(NereidException.Internal.class)
          .hasMessageContaining("model 'raiser'")
          .hasMessageContaining("Number of InferenceResponse objects do not match the number of InferenceRequest objects");
      assertThat(server.model("raiser").infer(Map.of("X", new float[] {3})).next().output("Y").toFloatArray())
          .containsExactly(3);
    }
  }

  @Test
  void aRescheduledRequestEndsWithAnUnsupportedErrorAndTheRestAreAnswered() {
    try (Server server = PythonRepository.serve(repository, "rescheduler")) {
      assertThatThrownBy(() -> server.model("rescheduler").infer(Map.of("X", new int[] {0})).next())
          .isInstanceOf(NereidException.Unsupported.class)
          .hasMessageStartingWith("Request is released with TRITONSERVER_REQUEST_RELEASE_RESCHEDULE")
          .hasMessageContaining("model 'rescheduler'");
      assertThat(server.model("rescheduler").infer(Map.of("X", new int[] {4})).next().output("Y").toIntArray())
          .containsExactly(4);
    }
  }

  @Test
  void aModelSeesItsRequestCancelled() throws Exception {
    try (Server server = PythonRepository.serve(repository, "raiser")) {
      // The model loops until request.is_cancelled(); with one instance, the next request runs only
      // once that loop has seen the cancellation.
      CompletableFuture<InferenceResponse> waiting =
          server.model("raiser").inferAsync(InferenceRequest.of(Map.of("X", new float[] {8})));
      Thread.sleep(300);
      waiting.cancel(true);
      assertThat(server.model("raiser").inferAsync(InferenceRequest.of(Map.of("X", new float[] {3})))
          .get(60, TimeUnit.SECONDS).output("Y").toFloatArray()).containsExactly(3);
      assertThat(waiting).isCancelled();
    }
  }

  @Test
  void anExceptionInInitializeLeavesTheModelUnavailableWithTheTracebacksLastLine() {
    try (Server server = PythonRepository.explicit(repository, Duration.ofSeconds(5), "init_raiser")) {
      assertThatThrownBy(() -> server.load("init_raiser"))
          .hasMessageContaining("FileNotFoundError: weights.bin is missing from the model folder");
      assertThat(server.model("init_raiser").state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(server.model("init_raiser").reason())
          .contains("initialize failed")
          .contains("FileNotFoundError: weights.bin is missing from the model folder");
      assertThat(Stubs.of("init_raiser")).isEmpty();
    }
  }

  @ParameterizedTest(name = "X={0}")
  @ValueSource(ints = {1, 2, 3})
  void aStubThatDiesFailsItsRequestsAndIsRestarted(int how) throws Exception {
    try (Server server = PythonRepository.serve(repository, "crasher")) {
      long before = pid(server);
      // One request kills the stub; four more wait behind it. Each gets exactly one final response.
      List<CompletableFuture<InferenceResponse>> futures = new ArrayList<>();
      futures.add(server.model("crasher").inferAsync(InferenceRequest.of(Map.of("X", new int[] {how}))));
      for (int i = 0; i < 4; i++) {
        futures.add(server.model("crasher").inferAsync(InferenceRequest.of(Map.of("X", new int[] {10 + i}))));
      }
      assertThatThrownBy(() -> futures.get(0).get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(NereidException.Internal.class)
          .hasMessageContaining("the Python stub of model 'crasher'")
          .hasMessageContaining(how == 1 ? "exit code 3" : how == 2 ? "signal 11" : "signal 9");
      for (int i = 1; i < futures.size(); i++) {
        assertThat(futures.get(i).get(60, TimeUnit.SECONDS).output("Y").toIntArray()).containsExactly(9 + i);
      }
      long after = pid(server);
      assertThat(after).isNotEqualTo(before);
      assertThat(ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(server.model("crasher").ready()).isTrue();
    }
  }

  @Test
  void finalizeRunsOnUnload() throws Exception {
    PythonRepository.with(repository, "add_sub");
    Path marker = repository.resolve("finalized.txt");
    Files.writeString(repository.resolve("add_sub/config.pbtxt"), "\nparameters { key: \"FINALIZE_MARKER\" value { string_value: \""
        + marker + "\" } }\n", java.nio.file.StandardOpenOption.APPEND);
    try (Server server = PythonRepository.explicit(repository, Duration.ofSeconds(10))) {
      server.load("add_sub");
      assertThat(Stubs.of("add_sub")).hasSize(1);
      server.unload("add_sub", UnloadOption.WAIT);
      assertThat(Files.readString(marker)).isEqualTo("finalized");
      assertThat(Stubs.of("add_sub")).isEmpty();
    }
  }

  @Test
  void unloadKillsAStubWhoseFinalizeNeverEnds() {
    try (Server server = PythonRepository.explicit(repository, Duration.ofSeconds(2), "stuck")) {
      server.load("stuck");
      assertThat(server.model("stuck").infer(Map.of("X", new int[] {4})).next().output("Y").toIntArray()).containsExactly(4);
      List<ProcessHandle> stubs = Stubs.of("stuck");
      assertThat(stubs).hasSize(1);
      server.unload("stuck", UnloadOption.WAIT);
      assertThat(stubs.get(0).isAlive()).isFalse();
    }
  }

  @Test
  void stopNeverHangsOnAStubStuckInExecute() throws Exception {
    Server server = PythonRepository.explicit(repository, Duration.ofSeconds(2), "crasher");
    server.load("crasher");
    long stub = pid(server);
    CompletableFuture<InferenceResponse> hanging =
        server.model("crasher").inferAsync(InferenceRequest.of(Map.of("X", new int[] {4})));
    Thread.sleep(300);
    server.stop();
    assertThatThrownBy(() -> hanging.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    ProcessHandle handle = ProcessHandle.of(stub).orElse(null);
    if (handle != null) handle.onExit().get(30, TimeUnit.SECONDS);
  }
}
