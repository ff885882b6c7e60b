package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInstanceGroup;
import dev.nereid.proto.ModelQueuePolicy;
import dev.nereid.proto.ModelSequenceBatching;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code config.pbtxt} as protobuf text format: errors name file, line and column; configs written
 * for Triton (every scheduling kind, warmup, optimization) parse as they are.
 */
class ConfigParsingTest {
  @TempDir Path repo;

  // --- errors: where and what

  @Test
  void unknownFieldIsReportedWithFileLineAndColumn() {
    String text = """
        backend: "identity"
        max_batch_size: 0
          max_batch_sise: 4
        """;
    assertThatThrownBy(() -> ModelConfigs.parseText(text, "/repo/m/config.pbtxt"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("/repo/m/config.pbtxt:3:3: unknown field 'max_batch_sise' in inference.ModelConfig at 3:3");
  }

  @Test
  void everyUnknownFieldIsNamedOnOneLine() {
    String text = """
        backend: "identity"
        instance_group [ { cuont: 2 } ]
        dynamic_batching { max_delay: 5 }
        """;
    assertThatThrownBy(() -> ModelConfigs.parseText(text, "cfg"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'cuont' in inference.ModelInstanceGroup at 2:")
        .hasMessageContaining("'max_delay' in inference.ModelDynamicBatching at 3:")
        .hasMessageNotContaining("\n");
  }

  @Test
  void valueOfTheWrongTypeIsReportedWithItsPosition() {
    String text = """
        backend: "identity"
        max_batch_size: "eight"
        """;
    assertThatThrownBy(() -> ModelConfigs.parseText(text, "cfg"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("cfg:2:17: ")
        .hasMessageContaining("integer");
  }

  @Test
  void syntaxErrorIsReportedWithItsPosition() {
    String text = """
        backend: "identity"
        input [
          { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 }
        ]
        """;
    assertThatThrownBy(() -> ModelConfigs.parseText(text, "cfg"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("cfg:3:52: ")
        .hasMessageContaining("Expected");
  }

  @Test
  void unknownEnumValueNamesTheValueAndItsPosition() {
    String text = """
        backend: "identity"
        input [ { name: "INPUT0" data_type: TYPE_FLOAT32 dims: [ 1 ] } ]
        """;
    assertThatThrownBy(() -> ModelConfigs.parseText(text, "cfg"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("cfg:2:")
        .hasMessageContaining("TYPE_FLOAT32");
  }

  @Test
  void unterminatedStringIsASyntaxError() {
    assertThatThrownBy(() -> ModelConfigs.parseText("backend: \"identity\nmax_batch_size: 0\n", "cfg"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("cfg:1:");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{ not json", "{\"max_batch_size\": \"many\"}", "{\"no_such_field\": 1}", "[]"})
  void malformedJsonConfigIsInvalidArgument(String json) {
    assertThatThrownBy(() -> ModelConfigs.parseJson(json))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("invalid model config JSON: ");
  }

  @Test
  void parseErrorInARepositoryLeavesThatModelUnavailableWithTheFilePosition() throws Exception {
    TestRepository r = new TestRepository(repo).identityModel("good");
    r.model("typo", TestRepository.identity("instance_group [ { kind: KIND_CPU cuont: 2 } ]"), 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      ModelIndexEntry row = TestRepository.row(server, "typo", -1);
      assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(row.reason())
          .contains(repo.resolve("typo").resolve("config.pbtxt") + ":5:")
          .contains("unknown field 'cuont' in inference.ModelInstanceGroup");
      assertThat(TestRepository.echo(server.model("good"), 1f, 2f)).containsExactly(1f, 2f);
    }
  }

  // --- configs written for Triton parse unchanged

  /** Shaped like Triton's {@code simple} example, as an ONNX model with two instances on CPU. */
  static final String SIMPLE_ONNX = """
      # The simple add/sub model.
      name: "simple"
      platform: "onnxruntime_onnx"
      max_batch_size: 8
      version_policy: { latest: { num_versions: 2 } }
      input [
        {
          name: "INPUT0"
          data_type: TYPE_INT32
          dims: [ 16 ]
        },
        {
          name: "INPUT1"
          data_type: TYPE_INT32
          dims: [ 16 ]
        }
      ]
      output [
        {
          name: "OUTPUT0"
          data_type: TYPE_INT32
          dims: [ 16 ]
          label_filename: "output0_labels.txt"
        },
        {
          name: "OUTPUT1"
          data_type: TYPE_INT32
          dims: [ 16 ]
        }
      ]
      instance_group [
        {
          count: 2
          kind: KIND_CPU
        }
      ]
      default_model_filename: "model.onnx"
      cc_model_filenames { key: "8.6" value: "model_sm86.onnx" }
      metric_tags { key: "team" value: "search" }
      optimization {
        graph { level: 1 }
        execution_accelerators {
          cpu_execution_accelerator : [ { name : "openvino" } ]
          gpu_execution_accelerator : [ {
            name : "tensorrt"
            parameters { key: "precision_mode" value: "FP16" }
            parameters { key: "max_workspace_size_bytes" value: "1073741824" }
          } ]
        }
        input_pinned_memory { enable: false }
      }
      response_cache { enable: true }
      """;

  static final String ENSEMBLE = """
      name: "ensemble_model"
      platform: "ensemble"
      max_batch_size: 1
      input [
        {
          name: "IMAGE"
          data_type: TYPE_STRING
          dims: [ 1 ]
        }
      ]
      output [
        {
          name: "CLASSIFICATION"
          data_type: TYPE_FP32
          dims: [ 1000 ]
        },
        {
          name: "SEGMENTATION"
          data_type: TYPE_FP32
          dims: [ 3, 224, 224 ]
        }
      ]
      ensemble_scheduling {
        step [
          {
            model_name: "image_preprocess_model"
            model_version: -1
            input_map {
              key: "RAW_IMAGE"
              value: "IMAGE"
            }
            output_map {
              key: "PREPROCESSED_OUTPUT"
              value: "preprocessed_image"
            }
          },
          {
            model_name: "classification_model"
            model_version: -1
            input_map {
              key: "FORMATTED_IMAGE"
              value: "preprocessed_image"
            }
            output_map {
              key: "CLASSIFICATION_OUTPUT"
              value: "CLASSIFICATION"
            }
          },
          {
            model_name: "segmentation_model"
            model_version: -1
            input_map {
              key: "FORMATTED_IMAGE"
              value: "preprocessed_image"
            }
            output_map {
              key: "SEGMENTATION_OUTPUT"
              value: "SEGMENTATION"
            }
          }
        ]
      }
      """;

  static final String SEQUENCE = """
      name: "accumulate"
      backend: "onnxruntime"
      max_batch_size: 4
      input [
        { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] },
        { name: "START" data_type: TYPE_FP32 dims: [ 1 ] },
        { name: "READY" data_type: TYPE_FP32 dims: [ 1 ] },
        { name: "END" data_type: TYPE_BOOL dims: [ 1 ] },
        { name: "CORRID" data_type: TYPE_UINT64 dims: [ 1 ] }
      ]
      output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
      sequence_batching {
        max_sequence_idle_microseconds: 5000000
        oldest {
          max_candidate_sequences: 4
          preferred_batch_size: [ 2, 4 ]
          max_queue_delay_microseconds: 100
        }
        control_input [
          {
            name: "START"
            control [
              {
                kind: CONTROL_SEQUENCE_START
                fp32_false_true: [ 0, 1 ]
              }
            ]
          },
          {
            name: "READY"
            control [ { kind: CONTROL_SEQUENCE_READY fp32_false_true: [ 0, 1 ] } ]
          },
          {
            name: "END"
            control [ { kind: CONTROL_SEQUENCE_END bool_false_true: [ false, true ] } ]
          },
          {
            name: "CORRID"
            control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ]
          }
        ]
        state [
          {
            input_name: "INPUT_STATE"
            output_name: "OUTPUT_STATE"
            data_type: TYPE_INT32
            dims: [ -1 ]
            initial_state: {
              data_type: TYPE_INT32
              dims: [ 1 ]
              zero_data: true
              name: "initial state"
            }
          }
        ]
      }
      instance_group [ { count: 1 kind: KIND_GPU gpus: [ 0 ] } ]
      """;

  static final String DYNAMIC_WITH_PRIORITIES = """
      name: "ranked"
      backend: "identity"
      max_batch_size: 8
      input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 16 ] } ]
      output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 16 ] } ]
      dynamic_batching {
        preferred_batch_size: [ 4, 8 ]
        max_queue_delay_microseconds: 100
        preserve_ordering: false
        priority_levels: 2
        default_priority_level: 2
        default_queue_policy {
          timeout_action: REJECT
          default_timeout_microseconds: 10000000
          allow_timeout_override: true
          max_queue_size: 16
        }
        priority_queue_policy {
          key: 1
          value: {
            timeout_action: DELAY
            default_timeout_microseconds: 1000
            max_queue_size: 4
          }
        }
      }
      parameters: { key: "execute_delay_ms" value: { string_value: "0" } }
      model_warmup [
        {
          name: "zeros"
          batch_size: 8
          inputs {
            key: "INPUT0"
            value: {
              data_type: TYPE_FP32
              dims: [ 16 ]
              zero_data: true
            }
          }
        },
        {
          name: "random"
          batch_size: 1
          count: 3
          inputs [ { key: "INPUT0" value: { data_type: TYPE_FP32 dims: [ 16 ] random_data: true } } ]
        }
      ]
      model_transaction_policy { decoupled: false }
      """;

  @Test
  void simpleOnnxConfigParses() {
    ModelConfig c = roundTrips(SIMPLE_ONNX);
    assertThat(c.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(c.getMaxBatchSize()).isEqualTo(8);
    assertThat(c.getVersionPolicy().getLatest().getNumVersions()).isEqualTo(2);
    assertThat(c.getInputList()).extracting(i -> i.getName()).containsExactly("INPUT0", "INPUT1");
    assertThat(c.getInput(1).getDimsList()).containsExactly(16L);
    assertThat(c.getOutput(0).getLabelFilename()).isEqualTo("output0_labels.txt");
    assertThat(c.getInstanceGroup(0).getKind()).isEqualTo(ModelInstanceGroup.Kind.KIND_CPU);
    assertThat(c.getInstanceGroup(0).getCount()).isEqualTo(2);
    assertThat(c.getCcModelFilenamesMap()).containsEntry("8.6", "model_sm86.onnx");
    var trt = c.getOptimization().getExecutionAccelerators().getGpuExecutionAccelerator(0);
    assertThat(trt.getName()).isEqualTo("tensorrt");
    assertThat(trt.getParametersMap()).containsEntry("precision_mode", "FP16");
    assertThat(c.getResponseCache().getEnable()).isTrue();
  }

  @Test
  void ensembleConfigParses() {
    ModelConfig c = roundTrips(ENSEMBLE);
    assertThat(c.getPlatform()).isEqualTo("ensemble");
    assertThat(c.getEnsembleScheduling().getStepList()).hasSize(3);
    var step = c.getEnsembleScheduling().getStep(1);
    assertThat(step.getModelName()).isEqualTo("classification_model");
    assertThat(step.getModelVersion()).isEqualTo(-1L);
    assertThat(step.getInputMapMap()).containsEntry("FORMATTED_IMAGE", "preprocessed_image");
    assertThat(step.getOutputMapMap()).containsEntry("CLASSIFICATION_OUTPUT", "CLASSIFICATION");
    assertThat(c.getOutput(1).getDimsList()).containsExactly(3L, 224L, 224L);
  }

  @Test
  void sequenceBatchingWithControlsAndStateParses() {
    ModelConfig c = roundTrips(SEQUENCE);
    ModelSequenceBatching s = c.getSequenceBatching();
    assertThat(s.getMaxSequenceIdleMicroseconds()).isEqualTo(5_000_000L);
    assertThat(s.getOldest().getPreferredBatchSizeList()).containsExactly(2, 4);
    assertThat(s.getControlInputList()).extracting(ci -> ci.getName()).containsExactly("START", "READY", "END", "CORRID");
    assertThat(s.getControlInput(0).getControl(0).getKind())
        .isEqualTo(ModelSequenceBatching.Control.Kind.CONTROL_SEQUENCE_START);
    assertThat(s.getControlInput(0).getControl(0).getFp32FalseTrueList()).containsExactly(0f, 1f);
    assertThat(s.getControlInput(2).getControl(0).getBoolFalseTrueList()).containsExactly(false, true);
    assertThat(s.getControlInput(3).getControl(0).getDataType()).isEqualTo(DataType.TYPE_UINT64);
    ModelSequenceBatching.State state = s.getState(0);
    assertThat(state.getInputName()).isEqualTo("INPUT_STATE");
    assertThat(state.getInitialState(0).getZeroData()).isTrue();
    assertThat(state.getInitialState(0).getName()).isEqualTo("initial state");
    assertThat(c.getInstanceGroup(0).getGpusList()).containsExactly(0);
  }

  @Test
  void dynamicBatchingWithPriorityQueuesAndWarmupParses() {
    ModelConfig c = roundTrips(DYNAMIC_WITH_PRIORITIES);
    var d = c.getDynamicBatching();
    assertThat(d.getPreferredBatchSizeList()).containsExactly(4, 8);
    assertThat(d.getPriorityLevels()).isEqualTo(2L);
    assertThat(d.getDefaultQueuePolicy().getMaxQueueSize()).isEqualTo(16);
    assertThat(d.getDefaultQueuePolicy().getAllowTimeoutOverride()).isTrue();
    assertThat(d.getPriorityQueuePolicyMap()).containsKey(1L);
    assertThat(d.getPriorityQueuePolicyMap().get(1L).getTimeoutAction()).isEqualTo(ModelQueuePolicy.TimeoutAction.DELAY);
    assertThat(c.getModelWarmupList()).extracting(w -> w.getName()).containsExactly("zeros", "random");
    assertThat(c.getModelWarmup(0).getInputsMap().get("INPUT0").getZeroData()).isTrue();
    assertThat(c.getModelWarmup(1).getCount()).isEqualTo(3);
    assertThat(c.getParametersMap().get("execute_delay_ms").getStringValue()).isEqualTo("0");
  }

  @Test
  void realisticConfigLoadsAndServesThroughTheServer() throws Exception {
    new TestRepository(repo).model("ranked", DYNAMIC_WITH_PRIORITIES, 1);
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(TestRepository.row(server, "ranked", 1).state()).isEqualTo(ModelState.READY);
      ModelConfig effective = server.model("ranked").config();
      assertThat(effective.getDynamicBatching().getPriorityQueuePolicyMap()).containsKey(1L);
      assertThat(effective.getModelWarmupCount()).isEqualTo(2);
      float[] row = new float[16];
      row[3] = 7f;
      var response = server.model("ranked").infer(java.util.Map.of("INPUT0", Tensor.of(row, 1, 16))).next();
      assertThat(response.output("OUTPUT0").toFloatArray()).containsExactly(row);
    }
  }

  /** Parses, prints and parses again: nothing is lost or changed on the way. */
  private static ModelConfig roundTrips(String text) {
    ModelConfig parsed = ModelConfigs.parseText(text, "config.pbtxt");
    assertThat(ModelConfigs.parseText(ModelConfigs.toText(parsed), "printed")).isEqualTo(parsed);
    assertThat(ModelConfigs.parseJson(ModelConfigs.toJson(parsed))).isEqualTo(parsed);
    return parsed;
  }
}
