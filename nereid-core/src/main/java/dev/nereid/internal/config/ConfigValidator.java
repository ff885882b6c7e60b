package dev.nereid.internal.config;

import dev.nereid.NereidException;
import dev.nereid.internal.tensor.Shapes;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.internal.ensemble.EnsembleGraph;
import dev.nereid.proto.ModelDynamicBatching;
import dev.nereid.proto.ModelInstanceGroup;
import dev.nereid.proto.ModelQueuePolicy;
import dev.nereid.proto.ModelVersionPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a config before a backend sees it, with Triton's rules (those of its L0_model_config QA
 * suite). Each error names the config's source (its file), the model and the field or tensor at fault;
 * the model is then UNAVAILABLE with that message as its reason.
 *
 * <p>Two stages: {@link #validateDeclared} checks what a config says about itself, before
 * auto-complete (so that a backend failing to read a missing model file does not hide an error in the
 * config), and {@link #validate} checks the completed config.
 */
public final class ConfigValidator {
  /** What the config is at the time of a check. */
  private enum Stage {
    /** As written: fields auto-complete may still fill (backend, max_batch_size, tensors) may be missing. */
    DECLARED,
    /** Completed and normalized. */
    COMPLETE
  }

  private ConfigValidator() {}

  /** Validates the completed config of the model in folder {@code folderName}. */
  public static void validate(ModelConfig config, String folderName) {
    validate(config, folderName, Stage.COMPLETE);
  }

  /**
   * Validates the completed config of the model in folder {@code folderName}; errors start with
   * {@code source} (the config file, say), as parse errors do.
   */
  public static void validate(ModelConfig config, String folderName, String source) {
    withSource(source, () -> validate(config, folderName, Stage.COMPLETE));
  }

  /**
   * Validates a config as written, before auto-complete: only the checks that what auto-complete adds
   * cannot change. Errors start with {@code source}.
   */
  public static void validateDeclared(ModelConfig config, String folderName, String source) {
    withSource(source, () -> validate(config, folderName, Stage.DECLARED));
  }

  private static void withSource(String source, Runnable check) {
    try {
      check.run();
    } catch (NereidException.InvalidArgument e) {
      throw new NereidException.InvalidArgument(source + ": " + e.getMessage(), e);
    }
  }

  private static void validate(ModelConfig config, String folderName, Stage stage) {
    String model = folderName;
    if (!config.getName().isEmpty() && !config.getName().equals(folderName)) {
      throw invalid("the config names the model '" + config.getName() + "', but it is loaded as '" + folderName
          + "' (its folder's name); they must match");
    }
    if (stage == Stage.COMPLETE && config.getBackend().isEmpty() && config.getPlatform().isEmpty()) {
      throw invalid("model '" + model + "' names no backend or platform, and none could be inferred from its files");
    }
    if (stage == Stage.DECLARED) {
      EnsembleConfigRules.check(model, config);
    }
    if (config.getMaxBatchSize() < 0) {
      throw invalid("model '" + model + "': 'max_batch_size' must be non-negative value for " + model + ", got "
          + config.getMaxBatchSize());
    }
    // A max_batch_size of 0 may yet be filled in by auto-complete.
    boolean batchingKnown = stage == Stage.COMPLETE || config.getMaxBatchSize() > 0;
    checkTensors(model, "input", config.getInputList().stream().map(i -> new Spec(i.getName(), i.getDataType(),
        i.getDimsList(), i.hasReshape() ? i.getReshape().getShapeList() : null)).toList(), config, stage, batchingKnown);
    checkTensors(model, "output", config.getOutputList().stream().map(o -> new Spec(o.getName(), o.getDataType(),
        o.getDimsList(), o.hasReshape() ? o.getReshape().getShapeList() : null)).toList(), config, stage, batchingKnown);
    if (stage == Stage.COMPLETE) {
      BatchTensorRules.check(model, config);
    }
    checkInstanceGroups(model, config, stage);
    checkVersionPolicy(model, config.getVersionPolicy());
    if (batchingKnown && config.hasDynamicBatching() && config.getMaxBatchSize() == 0) {
      throw invalid("model '" + model + "': dynamic_batching needs max_batch_size > 0");
    }
    if (batchingKnown) {
      for (long size : config.getDynamicBatching().getPreferredBatchSizeList()) {
        if (size < 1 || size > config.getMaxBatchSize()) {
          throw invalid("model '" + model + "': preferred_batch_size " + size + " must be between 1 and max_batch_size "
              + config.getMaxBatchSize());
        }
      }
    }
    checkPriorityLevels(model, config.getDynamicBatching());
    checkPreserveOrdering(model, config.getDynamicBatching());
    SequenceControlRules.check(model, config.getSequenceBatching());
    checkRuntime(model, config);
    if (stage == Stage.COMPLETE && config.hasEnsembleScheduling() && !"ensemble".equals(config.getPlatform())) {
      throw invalid("model '" + model + "': ensemble scheduling can not be set for model " + model
          + " whose platform is not ensemble");
    }
    if (stage == Stage.COMPLETE && "ensemble".equals(config.getPlatform())) {
      // The ensemble's own structure, before its composing models' availability is looked at: the
      // structural error is the one that tells the author what to fix.
      EnsembleGraph.checkStructure(model, config);
    }
  }

  /** Triton's rules for {@code preserve_ordering}: one priority level, and no queue policy that delays. */
  private static void checkPreserveOrdering(String model, ModelDynamicBatching batching) {
    if (!batching.getPreserveOrdering()) return;
    if (batching.getPriorityLevels() > 1) {
      throw invalid("model '" + model + "': dynamic_batching has priority_levels " + batching.getPriorityLevels()
          + ": only one priority level is allowed when 'preserve_ordering' is true");
    }
    List<ModelQueuePolicy> policies = new ArrayList<>(batching.getPriorityQueuePolicyMap().values());
    policies.add(batching.getDefaultQueuePolicy());
    for (ModelQueuePolicy policy : policies) {
      if (policy.getTimeoutAction() == ModelQueuePolicy.TimeoutAction.DELAY) {
        throw invalid("model '" + model + "': dynamic_batching queue policy can not have DELAY as timeout_action"
            + " when 'preserve_ordering' is true");
      }
    }
  }

  /**
   * A {@code runtime} names a library in the backend's own folder; Nereid's backends are Java
   * classes, so the one it accepts is the backend's library name as Triton spells it
   * ({@code libtriton_<backend>.so}), and nothing that leaves the folder.
   */
  private static void checkRuntime(String model, ModelConfig config) {
    String runtime = config.getRuntime();
    if (runtime.isEmpty()) return;
    if (runtime.contains("/") || runtime.contains("\\") || runtime.contains("..")) {
      throw invalid("model '" + model + "': runtime '" + runtime + "' must be a file name in the backend's folder;"
          + " it must not contain '/', '\\' or '..'");
    }
    String expected = "libtriton_" + config.getBackend() + ".so";
    if (config.getBackend().isEmpty() || !runtime.equals(expected)) {
      throw invalid("model '" + model + "': unknown runtime '" + runtime + "' for backend '" + config.getBackend()
          + "'" + (config.getBackend().isEmpty() ? "" : "; the backend's runtime is '" + expected + "'"));
    }
  }

  private static void checkPriorityLevels(String model, ModelDynamicBatching batching) {
    long levels = batching.getPriorityLevels();
    if (levels == 0) {
      return;
    }
    long defaultLevel = batching.getDefaultPriorityLevel();
    if (defaultLevel < 1 || defaultLevel > levels) {
      throw invalid("model '" + model + "': dynamic_batching default_priority_level " + defaultLevel
          + " is outside priority_levels " + levels + ": default priority level must be in range [1, " + levels + "] for " + model);
    }
    for (long level : batching.getPriorityQueuePolicyMap().keySet()) {
      if (level < 1 || level > levels) {
        throw invalid("model '" + model + "': dynamic_batching priority_queue_policy for level " + level
            + " is outside priority_levels " + levels + ": priority queue policy must have priority level in range [1, " + levels + "] for " + model);
      }
    }
  }

  private record Spec(String name, DataType type, List<Long> dims, List<Long> reshape) {}

  private static void checkTensors(String model, String kind, List<Spec> specs, ModelConfig config, Stage stage,
      boolean batchingKnown) {
    Set<String> seen = new HashSet<>();
    for (Spec spec : specs) {
      if (spec.name().isEmpty()) {
        throw invalid("model '" + model + "': an " + kind + " has no name");
      }
      if (!seen.add(spec.name())) {
        throw invalid("model '" + model + "': " + kind + " '" + spec.name() + "' is declared twice");
      }
      if (stage == Stage.COMPLETE && (spec.type() == DataType.TYPE_INVALID || spec.type() == DataType.UNRECOGNIZED)) {
        throw invalid("model '" + model + "': model " + kind + " '" + spec.name() + "' must specify 'data_type'"
            + (spec.type() == DataType.UNRECOGNIZED ? " (its value is not a known type)" : ""));
      }
      // As in Triton, 0 is refused too: a dimension of 0 would make the tensor always empty.
      if (spec.dims().stream().anyMatch(d -> d < 1 && d != -1)) {
        throw invalid("model '" + model + "': " + kind + " '" + spec.name() + "' has dims "
            + Shapes.format(spec.dims()) + "; each dimension must be >= 1, or -1 for variable");
      }
      if (spec.reshape() != null && spec.reshape().stream().anyMatch(d -> d < 1 && d != -1)) {
        throw invalid("model '" + model + "': " + kind + " '" + spec.name() + "' has reshape "
            + Shapes.format(spec.reshape()) + "; each dimension must be >= 1, or -1 for variable");
      }
      if (spec.reshape() != null) {
        // Inputs only: a scalar output is declared as dims [1] with an empty reshape (as auto-complete
        // declares one), which the output side can serve.
        if (kind.equals("input") && spec.reshape().isEmpty() && batchingKnown && config.getMaxBatchSize() == 0) {
          throw invalid("model '" + model + "': model " + kind + " '" + spec.name() + "' cannot have empty reshape for"
              + " non-batching model as scalar tensors are not supported");
        }
        if (!sameSizes(spec.dims(), spec.reshape())) {
          throw invalid("model '" + model + "': model " + kind + " '" + spec.name() + "' has different size for dims "
              + Shapes.format(spec.dims()) + " and reshape " + Shapes.format(spec.reshape()) + " (different element counts"
              + (spec.dims().contains(-1L) || spec.reshape().contains(-1L) ? " between variable-size dimensions" : "")
              + ")");
        }
      }
    }
  }

  /**
   * Whether dims and reshape describe the same tensors, as Triton checks it: the same element count
   * when both are fixed (an empty reshape counts as one element); with variable-size dimensions, the
   * same number of them, and the same element count in each run of fixed dimensions between them.
   */
  private static boolean sameSizes(List<Long> dims, List<Long> reshape) {
    List<Long> a = trunks(dims);
    List<Long> b = trunks(reshape);
    if (a.size() == 1 && b.size() == 1) {
      return a.get(0).equals(b.get(0));
    }
    return a.equals(b);
  }

  /** The element counts of the runs of fixed dimensions, split at each variable-size (-1) one. */
  private static List<Long> trunks(List<Long> dims) {
    List<Long> trunks = new ArrayList<>();
    long p = 1;
    for (long d : dims) {
      if (d == -1) {
        trunks.add(p);
        p = 1;
      } else {
        p *= d;
      }
    }
    trunks.add(p);
    return trunks;
  }

  private static void checkInstanceGroups(String model, ModelConfig config, Stage stage) {
    for (int i = 0; i < config.getInstanceGroupCount(); i++) {
      ModelInstanceGroup group = config.getInstanceGroup(i);
      // Named as normalization names it, so the declared stage's messages match the complete one's.
      String name = group.getName().isEmpty() ? model + "_" + i : group.getName();
      // Before normalization a count of 0 means the default (1).
      if (group.getCount() < (stage == Stage.DECLARED ? 0 : 1)) {
        throw invalid("model '" + model + "': instance_group '" + name + "' has count " + group.getCount()
            + "; it must be >= 1");
      }
      if (group.getKind() == ModelInstanceGroup.Kind.KIND_CPU && group.getGpusCount() > 0) {
        throw invalid("model '" + model + "': instance group " + name + " of model " + model
            + " has kind KIND_CPU but specifies one or more GPUs");
      }
      for (int gpu : group.getGpusList()) {
        // Nereid runs no model on a GPU: no GPU id is valid.
        throw invalid("model '" + model + "': instance group " + name + " of model " + model
            + " specifies invalid or unsupported gpu id of " + gpu + "; Nereid's backends run on the CPU");
      }
    }
  }

  private static void checkVersionPolicy(String model, ModelVersionPolicy policy) {
    if (policy.hasLatest() && policy.getLatest().getNumVersions() < 1) {
      throw invalid("model '" + model + "': version_policy latest needs num_versions >= 1");
    }
  }

  private static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }
}
