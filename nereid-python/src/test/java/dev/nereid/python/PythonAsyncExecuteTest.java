package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.NereidException;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A decoupled model's {@code async def execute} runs as Triton runs it: several at once, on one instance. */
class PythonAsyncExecuteTest {
  @TempDir Path repository;

  private static String text(ResponseIterator it) {
    return it.next().output("TEXT").toStrings()[0];
  }

  @Test
  void aSecondExecuteRunsWhileTheFirstAwaits() {
    try (Server server = PythonRepository.serve(repository, "async_gate");
        ResponseIterator waiting = server.model("async_gate").infer(Map.of("MODE", new int[] {0}))) {
      // The first execute is now suspended in its coroutine, waiting for the gate.
      assertThat(text(waiting)).isEqualTo("waiting");
      try (ResponseIterator opener = server.model("async_gate").infer(Map.of("MODE", new int[] {1}))) {
        assertThat(text(opener)).isEqualTo("opened");
      }
      assertThat(text(waiting)).isEqualTo("released");
      assertThat(waiting.hasNext()).isFalse();
    }
  }

  @Test
  void aCoroutineCallsItsOwnModelWithAsyncExec() {
    try (Server server = PythonRepository.serve(repository, "async_gate");
        ResponseIterator it = server.model("async_gate").infer(Map.of("MODE", new int[] {3}))) {
      assertThat(text(it)).isEqualTo("called itself: opened");
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void aCoroutineThatRaisesEndsItsRequestWithTheError() {
    try (Server server = PythonRepository.serve(repository, "async_gate")) {
      try (ResponseIterator failing = server.model("async_gate").infer(Map.of("MODE", new int[] {2}))) {
        assertThat(text(failing)).isEqualTo("about to fail");
        assertThatThrownBy(failing::next).isInstanceOf(NereidException.Internal.class)
            .hasMessage("Failed to process the request(s) for model 'async_gate': ValueError: asked to fail");
      }
      // The instance keeps serving.
      try (ResponseIterator opener = server.model("async_gate").infer(Map.of("MODE", new int[] {1}))) {
        assertThat(text(opener)).isEqualTo("opened");
      }
    }
  }
}
