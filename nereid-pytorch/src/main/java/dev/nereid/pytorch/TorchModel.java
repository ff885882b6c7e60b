package dev.nereid.pytorch;

import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import dev.nereid.NereidException;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version of a TorchScript model: its input/output plan, its settings, and the modules its
 * instances run. Every module lives in the model's own DJL memory scope, freed with the model.
 */
final class TorchModel implements BackendModel {
  private static final Logger log = LoggerFactory.getLogger(TorchModel.class);
  private static final String[] NO_EXTRA_FILES = new String[0];

  private final ModelContext context;
  private final Path file;
  private final TorchSettings settings;
  private final TorchIo io;
  private final PtNDManager memory;
  private PtSymbolBlock unclaimed;
  private final PtSymbolBlock shared;

  private TorchModel(ModelContext context, Path file, TorchSettings settings, TorchIo io, PtNDManager memory,
      PtSymbolBlock first) {
    this.context = context;
    this.file = file;
    this.settings = settings;
    this.io = io;
    this.memory = memory;
    this.unclaimed = first;
    this.shared = settings.weightSharing() ? first : null;
  }

  /** Checks the config against the module, loads the module once, and applies the process-wide settings. */
  static TorchModel load(ModelContext context, Path file) {
    String name = context.name();
    TorchSettings settings = TorchSettings.of(name, context.config());
    if (!Files.isRegularFile(file)) {
      throw new NereidException.Unavailable("model '" + name + "': no TorchScript file " + file);
    }
    Optional<ForwardSignature> signature = ForwardSignature.read(file);
    TorchIo io = TorchIo.of(name, context.config(), signature);
    PtNDManager memory = (PtNDManager) TorchRuntime.manager().newSubManager();
    TorchModel model = null;
    try {
      applyProcessSettings(name, settings);
      logUnknown(name, context.config().getParametersMap().keySet());
      PtSymbolBlock first = loadModule(name, memory, file);
      model = new TorchModel(context, file, settings, io, memory, first);
      log.info("model '{}': inputs matched by {} to forward{}", name, io.convention(),
          signature.map(ForwardSignature::arguments).map(Object::toString).orElse("(...)"));
      return model;
    } finally {
      if (model == null) memory.close();
    }
  }

  @Override
  public synchronized BackendInstance createInstance(InstanceContext instance) {
    PtSymbolBlock module;
    if (shared != null) {
      module = shared;
    } else if (unclaimed != null) {
      module = unclaimed;
      unclaimed = null;
    } else {
      module = loadModule(context.name(), memory, file);
    }
    return new TorchInstance(context, settings, io, module, memory);
  }

  @Override
  public void close() {
    memory.close(); // frees every module and any tensor still attached to the model's scope
  }

  private static PtSymbolBlock loadModule(String model, PtNDManager memory, Path file) {
    try {
      PtSymbolBlock module = JniUtils.loadModule(memory, file, false, NO_EXTRA_FILES, NO_EXTRA_FILES, false);
      JniUtils.enableInferenceMode(module); // eval(): dropout and batch norm in inference behaviour
      return module;
    } catch (RuntimeException e) {
      throw new NereidException.Unavailable("model '" + model + "': libtorch cannot load " + file.getFileName()
          + ": " + e.getMessage(), e);
    }
  }

  /** libtorch's thread pools are per process, as in Triton: the last model loaded with a count sets it. */
  private static void applyProcessSettings(String model, TorchSettings settings) {
    if (settings.intraOpThreads() > 0) {
      JniUtils.setNumThreads(settings.intraOpThreads());
    }
    if (settings.interOpThreads() > 0) {
      try {
        JniUtils.setNumInteropThreads(settings.interOpThreads());
      } catch (RuntimeException e) {
        // libtorch fixes the inter-op pool once any parallel work has started in the process.
        log.warn("model '{}': INTER_OP_THREAD_COUNT {} not applied, libtorch keeps {}: {}", model,
            settings.interOpThreads(), JniUtils.getNumInteropThreads(), e.getMessage());
      }
    }
    logUnapplied(model, settings);
  }

  /**
   * Says, once per load, which parameters this CPU libtorch behind DJL's JNI cannot apply and why:
   * WARN where the model asked for other behaviour than it gets, INFO where the setting is moot on CPU.
   */
  private static void logUnapplied(String model, TorchSettings settings) {
    if (!settings.inferenceMode()) {
      log.warn("model '{}': INFERENCE_MODE false not applied: DJL's JNI runs forward() in libtorch's InferenceMode; "
          + "autograd is off either way and the outputs are the same", model);
    }
    if (settings.enableNvfuser()) {
      log.info("model '{}': ENABLE_NVFUSER is a CUDA fuser; ignored, this libtorch runs on CPU", model);
    }
    if (settings.disableCudnn()) {
      log.info("model '{}': DISABLE_CUDNN concerns CUDA's cuDNN; ignored, this libtorch runs on CPU", model);
    }
    if (settings.cacheCleaning()) {
      log.info("model '{}': ENABLE_CACHE_CLEANING frees the CUDA cache; nothing to clean on CPU", model);
    }
    jitSwitch(model, TorchSettings.ENABLE_JIT_EXECUTOR, settings.jitExecutor(), "profiling executor");
    jitSwitch(model, TorchSettings.ENABLE_JIT_PROFILING, settings.jitProfiling(), "profiling mode");
    jitSwitch(model, TorchSettings.ENABLE_TENSOR_FUSER, settings.tensorFuser(), "TensorExpr fuser");
  }

  private static void jitSwitch(String model, String parameter, Boolean value, String what) {
    if (value == null) return;
    if (value) {
      log.info("model '{}': {} true is libtorch's default ({} on); DJL's JNI has no switch for it", model, parameter, what);
    } else {
      log.warn("model '{}': {} false not applied: DJL's JNI has no switch for libtorch's {}, which stays on; "
          + "DISABLE_OPTIMIZED_EXECUTION true turns its optimisations off", model, parameter, what);
    }
  }

  /** Parameters Triton's PyTorch backend does not read: ignored, as Triton does, but named. */
  private static void logUnknown(String model, Set<String> keys) {
    for (String key : keys) {
      if (!TorchSettings.KNOWN.contains(key)) {
        log.info("model '{}': parameter {} is not one the PyTorch backend reads; ignored (it reads {})", model, key,
            TorchSettings.KNOWN);
      }
    }
  }
}
