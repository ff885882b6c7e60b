package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One repository holding a good model and many models with invalid configs: each invalid one is
 * UNAVAILABLE with a reason that says what is wrong, and the good one serves.
 */
class ConfigValidationTest {
  @TempDir static Path repo;
  private static Server server;

  static Stream<Arguments> invalidModels() {
    return Stream.of(
        Arguments.of("name_mismatch", """
            name: "other_name"
            """ + TestRepository.IDENTITY,
            new String[] {"'other_name'", "'name_mismatch'", "must match"}),
        Arguments.of("duplicate_input", """
            backend: "identity"
            input [
              { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] },
              { name: "INPUT0" data_type: TYPE_INT32 dims: [ 1 ] }
            ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            """, new String[] {"input 'INPUT0'", "declared twice"}),
        Arguments.of("duplicate_output", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            output [
              { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] },
              { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 2 ] }
            ]
            """, new String[] {"output 'OUTPUT0'", "declared twice"}),
        Arguments.of("dims_below_minus_one", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4, -2 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4, -2 ] } ]
            """, new String[] {"input 'INPUT0'", "[4,-2]", ">= 1, or -1"}),
        Arguments.of("zero_dim", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 0 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 0 ] } ]
            """, new String[] {"input 'INPUT0'", "[0]", ">= 1, or -1"}),
        Arguments.of("unknown_backend", """
            backend: "tensorflow_magic"
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            """, new String[] {"unknown backend 'tensorflow_magic'", "available backends", "identity", "repeat", "square"}),
        Arguments.of("unknown_platform", """
            platform: "caffe2_netdef"
            """, new String[] {"platform 'caffe2_netdef'", "available backends", "identity"}),
        Arguments.of("no_backend", """
            max_batch_size: 0
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            """, new String[] {"no backend or platform", "inferred from its files"}),
        Arguments.of("negative_max_batch_size", """
            backend: "identity"
            max_batch_size: -1
            """, new String[] {"'max_batch_size' must be non-negative value", "-1"}),
        Arguments.of("dynamic_without_batching", TestRepository.identity("dynamic_batching { }"),
            new String[] {"dynamic_batching needs max_batch_size > 0"}),
        Arguments.of("preferred_above_max", """
            backend: "identity"
            max_batch_size: 4
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            dynamic_batching { preferred_batch_size: [ 2, 8 ] }
            """, new String[] {"preferred_batch_size 8", "max_batch_size 4"}),
        Arguments.of("default_priority_out_of_range", """
            backend: "identity"
            max_batch_size: 4
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            dynamic_batching { priority_levels: 2 default_priority_level: 3 }
            """, new String[] {"default_priority_level 3", "priority_levels 2"}),
        Arguments.of("priority_policy_out_of_range", """
            backend: "identity"
            max_batch_size: 4
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            dynamic_batching {
              priority_levels: 2
              default_priority_level: 1
              priority_queue_policy { key: 0 value { max_queue_size: 4 } }
            }
            """, new String[] {"priority_queue_policy for level 0"}),
        Arguments.of("missing_data_type", """
            backend: "identity"
            input [ { name: "INPUT0" dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            """, new String[] {"input 'INPUT0'", "data_type"}),
        Arguments.of("unnamed_output", """
            backend: "identity"
            output [ { data_type: TYPE_FP32 dims: [ 1 ] } ]
            """, new String[] {"output has no name"}),
        Arguments.of("reshape_mismatch", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 2, 3 ] reshape { shape: [ 5 ] } } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 6 ] } ]
            """, new String[] {"input 'INPUT0'", "reshape [5]", "element counts"}),
        Arguments.of("negative_instance_count", TestRepository.identity("instance_group [ { count: -2 kind: KIND_CPU } ]"),
            new String[] {"instance_group", "count -2"}),
        Arguments.of("latest_zero_versions", TestRepository.identity("version_policy { latest { num_versions: 0 } }"),
            new String[] {"num_versions >= 1"}),
        Arguments.of("identity_without_output", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            """, new String[] {"input 'INPUT0' needs an output named 'OUTPUT0'"}));
  }

  @BeforeAll
  static void start() {
    TestRepository r = new TestRepository(repo).identityModel("good");
    invalidModels().forEach(a -> r.model((String) a.get()[0], (String) a.get()[1], 1));
    server = new Server(ServerOptions.of(repo)).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidModels")
  void invalidConfigLeavesThatModelUnavailableWithTheReason(String model, String config, String[] reasonParts) {
    ModelIndexEntry row = server.models().values().stream()
        .filter(e -> e.name().equals(model)).findFirst().orElseThrow();
    assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(row.reason()).contains("'" + model + "'").contains(reasonParts);
    assertThat(server.models(ModelFilter.READY).keySet()).extracting(ModelKey::name).doesNotContain(model);
    assertThat(server.model(model).ready()).isFalse();
    assertThat(server.model(model).reason()).isEqualTo(row.reason());
    assertThatThrownBy(() -> TestRepository.echo(server.model(model), 1f))
        .isInstanceOf(NereidException.Unavailable.class)
        .hasMessageContaining(model)
        .hasMessageContaining(reasonParts[0]);
  }

  @Test
  void goodModelBesideThemLoadsAndServes() {
    assertThat(TestRepository.row(server, "good", 1).state()).isEqualTo(ModelState.READY);
    assertThat(TestRepository.echo(server.model("good"), 4f, 5f, 6f)).containsExactly(4f, 5f, 6f);
    assertThat(server.models(ModelFilter.READY).keySet()).containsExactly(new ModelKey("good", 1));
  }

  @Test
  void serverIsLiveButNotReadyWhileModelsFailed() {
    assertThat(server.live()).isTrue();
    assertThat(server.ready()).isFalse();
  }
}
