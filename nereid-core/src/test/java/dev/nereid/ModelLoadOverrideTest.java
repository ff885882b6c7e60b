package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code load(name, parameters)}: a JSON config that replaces config.pbtxt, and model files given as bytes. */
class ModelLoadOverrideTest {
  /** The identity model as Triton's JSON form, with a parameter to tell it apart. */
  private static final String IDENTITY_JSON = """
      {"backend":"identity","max_batch_size":0,
       "input":[{"name":"INPUT0","data_type":"TYPE_FP32","dims":["-1"]}],
       "output":[{"name":"OUTPUT0","data_type":"TYPE_FP32","dims":[-1]}],
       "parameters":{"origin":{"string_value":"override"}}}
      """;

  @TempDir Path repo;
  private Server server;

  @BeforeEach
  void start() {
    new TestRepository(repo).identityModel("a");
    server = new Server(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT).build())
        .start();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private static Map<String, Object> params(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
    return m;
  }

  private static String origin(Model model) {
    var p = model.config().getParametersMap().get("origin");
    return p == null ? null : p.getStringValue();
  }

  @Test
  void configOverrideReplacesConfigPbtxt() {
    Model a = server.load("a", Map.of("config", IDENTITY_JSON));
    assertThat(origin(a)).isEqualTo("override");
    assertThat(TestRepository.echo(a, 1f, 2f)).containsExactly(1f, 2f);
    // Loading again without it goes back to the repository's config.
    server.load("a");
    assertThat(origin(server.model("a"))).isNull();
  }

  @Test
  void configOverrideAsBytesWorksToo() {
    server.load("a", Map.of("config", IDENTITY_JSON.getBytes(StandardCharsets.UTF_8)));
    assertThat(origin(server.model("a"))).isEqualTo("override");
  }

  @Test
  void configOverrideWithAnotherNameIsRefusedAndTheModelKeepsServing() {
    server.load("a");
    assertThatThrownBy(() -> server.load("a", Map.of("config", "{\"name\":\"b\",\"backend\":\"identity\"}")))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'b'").hasMessageContaining("'a'");
    assertThat(TestRepository.echo(server.model("a"), 3f)).containsExactly(3f);
  }

  @Test
  void malformedConfigOverrideIsInvalidArgument() {
    assertThatThrownBy(() -> server.load("a", Map.of("config", "{\"backend\": ")))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("config JSON");
  }

  @Test
  void unknownParameterIsRefused() {
    assertThatThrownBy(() -> server.load("a", Map.of("cofnig", IDENTITY_JSON)))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'cofnig'");
  }

  @Test
  void fileOverridesMakeATemporaryModelFolder() {
    // The repository's "a" has version 1 only; the override's files form version 7 alone.
    Model a = server.load("a", params("config", IDENTITY_JSON, "file:7/model.bin", new byte[] {1, 2, 3},
        "file:7/sub/dir/weights.bin", new byte[0]));
    assertThat(server.models(ModelFilter.READY).keySet()).containsExactly(new ModelKey("a", 7));
    assertThat(TestRepository.echoResponse(a, 1f).modelVersion()).isEqualTo(7);
    assertThat(origin(a)).isEqualTo("override");
  }

  @Test
  void fileOverridesLoadAModelThatIsInNoRepository() {
    Model fresh = server.load("fresh", params("config", IDENTITY_JSON, "file:1/model.bin", new byte[] {42}));
    assertThat(TestRepository.echo(fresh, 9f)).containsExactly(9f);
    server.unload("fresh", UnloadOption.WAIT);
    assertThat(TestRepository.row(server, "fresh", 1).reason()).isEqualTo("unloaded");
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:../escape.bin", "file:1/../../escape.bin", "file:/etc/passwd", "file:1/./../../x",
      "file:model.bin", "file:01/model.bin", "file:abc/model.bin", "file:", "file:1\\..\\..\\x", "file:1/a\0b"})
  void unsafeOrVersionlessFilePathsAreRefused(String key) {
    assertThatThrownBy(() -> server.load("a", params("config", IDENTITY_JSON, key, new byte[] {1})))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'a'")
        .hasMessageContaining("file override path");
    assertThat(server.models(ModelFilter.READY)).isEmpty();
  }

  @Test
  void filesWithoutConfigAreRefused() {
    assertThatThrownBy(() -> server.load("a", Map.of("file:1/model.bin", new byte[] {1})))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'config'");
  }

  @Test
  void fileContentMustBeBytes() {
    assertThatThrownBy(() -> server.load("a", params("config", IDENTITY_JSON, "file:1/model.bin", "text")))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'file:1/model.bin'").hasMessageContaining("bytes");
  }

  @Test
  void configOverrideForAModelInNoRepositoryNeedsFiles() {
    assertThatThrownBy(() -> server.load("ghost", Map.of("config", IDENTITY_JSON)))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'ghost'");
  }

  @Test
  void overridesAreRefusedOutsideExplicitMode() {
    try (Server none = new Server(ServerOptions.of(repo)).start()) {
      assertThatThrownBy(() -> none.load("a", Map.of("config", IDENTITY_JSON)))
          .isInstanceOf(NereidException.Unsupported.class);
    }
  }
}
