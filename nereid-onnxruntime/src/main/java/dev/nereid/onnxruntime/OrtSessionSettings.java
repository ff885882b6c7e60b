package dev.nereid.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelOptimizationPolicy.ExecutionAccelerators.Accelerator;
import dev.nereid.proto.ModelParameter;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a model config into ORT session options, reading the keys Triton's onnxruntime backend reads:
 * {@code parameters} {@code intra_op_thread_count}, {@code inter_op_thread_count}, {@code execution_mode},
 * {@code enable_mem_arena}, {@code enable_mem_pattern} and any {@code session.*} entry;
 * {@code optimization { graph { level } }} (-1 basic, 1 extended, 2 none, otherwise all); and
 * {@code optimization.execution_accelerators} (cuda, tensorrt, openvino).
 *
 * <p>Threads: a model's instances share one session, so when the config leaves the intra-op count
 * unset each run gets {@code cores / instances} threads (at least one) rather than ORT's default of
 * every core, which would oversubscribe the machine as soon as two instances run at once.
 */
final class OrtSessionSettings {
  private static final Logger log = LoggerFactory.getLogger(OrtSessionSettings.class);

  static final String INTRA_OP_THREADS = "intra_op_thread_count";
  static final String INTER_OP_THREADS = "inter_op_thread_count";
  static final String EXECUTION_MODE = "execution_mode";

  private OrtSessionSettings() {}

  /**
   * Options for the session that {@code instances} instances share.
   *
   * @param gpuDevice the GPU the session runs on, or -1 for CPU
   */
  static SessionOptions create(String model, ModelConfig config, int instances, int gpuDevice) throws OrtException {
    SessionOptions options = new SessionOptions();
    try {
      configure(options, model, config, instances, gpuDevice);
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
      throw e;
    }
  }

  /** Options for a short-lived session that only reads the model's declarations. */
  static SessionOptions forMetadata() throws OrtException {
    SessionOptions options = new SessionOptions();
    options.setOptimizationLevel(OptLevel.NO_OPT);
    options.setIntraOpNumThreads(1);
    return options;
  }

  private static void configure(SessionOptions options, String model, ModelConfig config, int instances, int gpuDevice)
      throws OrtException {
    Map<String, ModelParameter> params = config.getParametersMap();
    int cores = Runtime.getRuntime().availableProcessors();
    int share = Math.max(1, cores / Math.max(1, instances));

    int intra = intParameter(model, params, INTRA_OP_THREADS);
    if (intra == 0) {
      intra = share;
    } else if ((long) intra * instances > cores) {
      log.warn("model '{}': {} instances x {} {} = {} threads on {} cores; runs will compete for cores", model,
          instances, intra, INTRA_OP_THREADS, (long) intra * instances, cores);
    }
    options.setIntraOpNumThreads(intra);

    int mode = intParameter(model, params, EXECUTION_MODE);
    if (mode != 0 && mode != 1) {
      throw new NereidException.InvalidArgument("model '" + model + "': parameter " + EXECUTION_MODE
          + " must be 0 (sequential) or 1 (parallel), got " + mode);
    }
    options.setExecutionMode(mode == 0 ? ExecutionMode.SEQUENTIAL : ExecutionMode.PARALLEL);
    int inter = intParameter(model, params, INTER_OP_THREADS);
    if (mode == 1) {
      options.setInterOpNumThreads(inter == 0 ? share : inter);
    }

    options.setOptimizationLevel(switch (config.getOptimization().getGraph().getLevel()) {
      case -1 -> OptLevel.BASIC_OPT;
      case 1 -> OptLevel.EXTENDED_OPT;
      case 2 -> OptLevel.NO_OPT;
      default -> OptLevel.ALL_OPT;
    });

    Boolean arena = boolParameter(model, params, "enable_mem_arena");
    if (arena != null) options.setCPUArenaAllocator(arena);
    Boolean pattern = boolParameter(model, params, "enable_mem_pattern");
    if (pattern != null) options.setMemoryPatternOptimization(pattern);
    for (Map.Entry<String, ModelParameter> e : params.entrySet()) {
      if (e.getKey().startsWith("session.")) options.addConfigEntry(e.getKey(), e.getValue().getStringValue());
    }

    addAccelerators(options, model, config, gpuDevice);
  }

  private static void addAccelerators(SessionOptions options, String model, ModelConfig config, int gpuDevice)
      throws OrtException {
    EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
    var accelerators = config.getOptimization().getExecutionAccelerators();
    boolean gpuAdded = false;
    for (Accelerator a : accelerators.getGpuExecutionAcceleratorList()) {
      String name = a.getName().toLowerCase(Locale.ROOT);
      OrtProvider provider = switch (name) {
        case "cuda" -> OrtProvider.CUDA;
        case "tensorrt" -> OrtProvider.TENSOR_RT;
        default -> throw unknownAccelerator(model, a.getName());
      };
      if (!available.contains(provider)) {
        warnMissing(model, a.getName(), available);
      } else if (gpuDevice < 0) {
        log.warn("model '{}': GPU execution accelerator '{}' ignored for a CPU instance group", model, a.getName());
      } else {
        if (provider == OrtProvider.TENSOR_RT) {
          options.addTensorrt(gpuDevice);
        } else {
          options.addCUDA(gpuDevice);
        }
        gpuAdded = true;
      }
    }
    if (gpuDevice >= 0 && !gpuAdded) {
      options.addCUDA(gpuDevice); // a GPU session exists only when the build has CUDA; see OnnxModel
    }
    for (Accelerator a : accelerators.getCpuExecutionAcceleratorList()) {
      if (!a.getName().equalsIgnoreCase("openvino")) {
        throw unknownAccelerator(model, a.getName());
      }
      if (available.contains(OrtProvider.OPEN_VINO)) {
        options.addOpenVINO("CPU");
      } else {
        warnMissing(model, a.getName(), available);
      }
    }
  }

  private static void warnMissing(String model, String accelerator, EnumSet<OrtProvider> available) {
    log.warn("model '{}': execution accelerator '{}' is not in this ONNX Runtime build (it has {}); loading the model "
        + "on CPU without it", model, accelerator, available);
  }

  private static NereidException unknownAccelerator(String model, String name) {
    return new NereidException.InvalidArgument("model '" + model + "': unknown Execution Accelerator '" + name
        + "' is requested; the onnxruntime backend knows cuda and tensorrt (gpu_execution_accelerator) and openvino "
        + "(cpu_execution_accelerator)");
  }

  private static int intParameter(String model, Map<String, ModelParameter> params, String key) {
    ModelParameter p = params.get(key);
    if (p == null || p.getStringValue().isBlank()) {
      return 0;
    }
    try {
      int value = Integer.parseInt(p.getStringValue().trim());
      if (value < 0) throw new NumberFormatException();
      return value;
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key
          + " must be an integer >= 0, got '" + p.getStringValue() + "'");
    }
  }

  private static Boolean boolParameter(String model, Map<String, ModelParameter> params, String key) {
    ModelParameter p = params.get(key);
    if (p == null) {
      return null;
    }
    return switch (p.getStringValue().trim().toLowerCase(Locale.ROOT)) {
      case "1", "true", "on", "yes" -> true;
      case "0", "false", "off", "no" -> false;
      default -> throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key
          + " must be 1/true or 0/false, got '" + p.getStringValue() + "'");
    };
  }
}
