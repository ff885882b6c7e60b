package dev.nereid.pytorch;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelParameter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code parameters} of a PyTorch model that Triton's PyTorch backend documents, parsed and checked
 * at load. A value that does not parse leaves the model UNAVAILABLE naming the parameter.
 *
 * @param disableOptimizedExecution {@code DISABLE_OPTIMIZED_EXECUTION}: turns libtorch's graph executor
 *     optimisation off for this model's runs (default false)
 * @param inferenceMode {@code INFERENCE_MODE} (default true): DJL's JNI always runs {@code forward} in
 *     libtorch's InferenceMode, so false is not applied (Triton would run under NoGradGuard instead;
 *     autograd is off and the outputs are the same either way)
 * @param enableNvfuser {@code ENABLE_NVFUSER}: a CUDA fuser, accepted and ignored on CPU
 * @param disableCudnn {@code DISABLE_CUDNN}: a CUDA library, accepted and ignored on CPU
 * @param jitExecutor {@code ENABLE_JIT_EXECUTOR}, null when not set
 * @param jitProfiling {@code ENABLE_JIT_PROFILING}, null when not set
 * @param tensorFuser {@code ENABLE_TENSOR_FUSER}, null when not set
 * @param intraOpThreads {@code INTRA_OP_THREAD_COUNT}, 0 when not set (libtorch's default)
 * @param interOpThreads {@code INTER_OP_THREAD_COUNT}, 0 when not set
 * @param cacheCleaning {@code ENABLE_CACHE_CLEANING}: frees the CUDA cache after each run, nothing on CPU
 * @param weightSharing {@code ENABLE_WEIGHT_SHARING}: the model's instances share one loaded module
 */
record TorchSettings(
    boolean disableOptimizedExecution, boolean inferenceMode, boolean enableNvfuser, boolean disableCudnn,
    Boolean jitExecutor, Boolean jitProfiling, Boolean tensorFuser, int intraOpThreads, int interOpThreads,
    boolean cacheCleaning, boolean weightSharing) {

  static final String DISABLE_OPTIMIZED_EXECUTION = "DISABLE_OPTIMIZED_EXECUTION";
  static final String INFERENCE_MODE = "INFERENCE_MODE";
  static final String ENABLE_NVFUSER = "ENABLE_NVFUSER";
  static final String DISABLE_CUDNN = "DISABLE_CUDNN";
  static final String ENABLE_TENSOR_FUSER = "ENABLE_TENSOR_FUSER";
  static final String ENABLE_JIT_EXECUTOR = "ENABLE_JIT_EXECUTOR";
  static final String ENABLE_JIT_PROFILING = "ENABLE_JIT_PROFILING";
  static final String INTRA_OP_THREAD_COUNT = "INTRA_OP_THREAD_COUNT";
  static final String INTER_OP_THREAD_COUNT = "INTER_OP_THREAD_COUNT";
  static final String ENABLE_CACHE_CLEANING = "ENABLE_CACHE_CLEANING";
  static final String ENABLE_WEIGHT_SHARING = "ENABLE_WEIGHT_SHARING";

  /** Every parameter Triton's PyTorch backend documents, in its README's order. */
  static final List<String> KNOWN = List.of(DISABLE_OPTIMIZED_EXECUTION, INFERENCE_MODE, DISABLE_CUDNN,
      ENABLE_WEIGHT_SHARING, ENABLE_CACHE_CLEANING, INTER_OP_THREAD_COUNT, INTRA_OP_THREAD_COUNT,
      ENABLE_JIT_EXECUTOR, ENABLE_JIT_PROFILING, ENABLE_TENSOR_FUSER, ENABLE_NVFUSER);

  /** Reads the parameters of a model's config. */
  static TorchSettings of(String model, ModelConfig config) {
    Map<String, ModelParameter> p = config.getParametersMap();
    return new TorchSettings(
        bool(model, p, DISABLE_OPTIMIZED_EXECUTION, false),
        bool(model, p, INFERENCE_MODE, true),
        bool(model, p, ENABLE_NVFUSER, false),
        bool(model, p, DISABLE_CUDNN, false),
        p.containsKey(ENABLE_JIT_EXECUTOR) ? bool(model, p, ENABLE_JIT_EXECUTOR, true) : null,
        p.containsKey(ENABLE_JIT_PROFILING) ? bool(model, p, ENABLE_JIT_PROFILING, true) : null,
        p.containsKey(ENABLE_TENSOR_FUSER) ? bool(model, p, ENABLE_TENSOR_FUSER, true) : null,
        count(model, p, INTRA_OP_THREAD_COUNT),
        count(model, p, INTER_OP_THREAD_COUNT),
        bool(model, p, ENABLE_CACHE_CLEANING, false),
        bool(model, p, ENABLE_WEIGHT_SHARING, false));
  }

  private static boolean bool(String model, Map<String, ModelParameter> p, String key, boolean absent) {
    ModelParameter value = p.get(key);
    if (value == null) return absent;
    String text = value.getStringValue().strip().toLowerCase(Locale.ROOT);
    return switch (text) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key
          + " must be true or false, got '" + value.getStringValue() + "'");
    };
  }

  private static int count(String model, Map<String, ModelParameter> p, String key) {
    ModelParameter value = p.get(key);
    if (value == null) return 0;
    try {
      int n = Integer.parseInt(value.getStringValue().strip());
      if (n >= 0) return n;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key
        + " must be an integer >= 0, got '" + value.getStringValue() + "'");
  }
}
