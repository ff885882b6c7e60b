package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tutorial's hello world, in Java, against the bundled example repository. */
class HelloWorldTest {
  static final Path EXAMPLES = Path.of("..", "examples", "models");

  @Test
  void identityEchoesHelloWorld() {
    try (Server server = new Server(ServerOptions.of(EXAMPLES)).start()) {
      assertThat(server.models()).containsKey(new ModelKey("identity", 1));
      assertThat(server.models().get(new ModelKey("identity", 1)).state()).isEqualTo(ModelState.READY);

      List<String[][]> outputs = new ArrayList<>();
      for (InferenceResponse response :
          server.model("identity").infer(Map.of("string_input", List.of(List.of("hello world!"))))) {
        outputs.add(response.output("string_output").toStringArray());
      }
      assertThat(outputs).hasSize(1);
      assertThat(outputs.get(0)).isDeepEqualTo(new String[][] {{"hello world!"}});
    }
  }
}
