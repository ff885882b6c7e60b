package dev.nereid.internal.config;

import dev.nereid.NereidException;
import dev.nereid.internal.tensor.Shapes;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelDynamicBatching;
import dev.nereid.proto.ModelVersionPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a complete config before a backend sees it. Each error names the model and the field or
 * tensor at fault; the model is then UNAVAILABLE with that message as its reason.
 */
public final class ConfigValidator {
  private ConfigValidator() {}

  /** Validates the config of the model in folder {@code folderName}. */
  public static void validate(ModelConfig config, String folderName) {
    String model = folderName;
    if (!config.getName().isEmpty() && !config.getName().equals(folderName)) {
      throw invalid("the config names the model '" + config.getName() + "', but it is loaded as '" + folderName
          + "' (its folder's name); they must match");
    }
    if (config.getBackend().isEmpty() && config.getPlatform().isEmpty()) {
      throw invalid("model '" + model + "' names no backend or platform, and none could be inferred from its files");
    }
    if (config.getMaxBatchSize() < 0) {
      throw invalid("model '" + model + "': max_batch_size must be >= 0, got " + config.getMaxBatchSize());
    }
    checkTensors(model, "input", config.getInputList().stream().map(i -> new Spec(i.getName(), i.getDataType(),
        i.getDimsList(), i.hasReshape() ? i.getReshape().getShapeList() : null)).toList(), config);
    checkTensors(model, "output", config.getOutputList().stream().map(o -> new Spec(o.getName(), o.getDataType(),
        o.getDimsList(), o.hasReshape() ? o.getReshape().getShapeList() : null)).toList(), config);
    checkInstanceGroups(model, config);
    checkVersionPolicy(model, config.getVersionPolicy());
    if (config.hasDynamicBatching() && config.getMaxBatchSize() == 0) {
      throw invalid("model '" + model + "': dynamic_batching needs max_batch_size > 0");
    }
    for (long size : config.getDynamicBatching().getPreferredBatchSizeList()) {
      if (size < 1 || size > config.getMaxBatchSize()) {
        throw invalid("model '" + model + "': preferred_batch_size " + size + " must be between 1 and max_batch_size "
            + config.getMaxBatchSize());
      }
    }
    checkPriorityLevels(model, config.getDynamicBatching());
  }

  private static void checkPriorityLevels(String model, ModelDynamicBatching batching) {
    long levels = batching.getPriorityLevels();
    if (levels == 0) {
      return;
    }
    long defaultLevel = batching.getDefaultPriorityLevel();
    if (defaultLevel < 1 || defaultLevel > levels) {
      throw invalid("model '" + model + "': dynamic_batching default_priority_level " + defaultLevel
          + " must be between 1 and priority_levels " + levels);
    }
    for (long level : batching.getPriorityQueuePolicyMap().keySet()) {
      if (level < 1 || level > levels) {
        throw invalid("model '" + model + "': dynamic_batching priority_queue_policy for level " + level
            + " must be for a level between 1 and priority_levels " + levels);
      }
    }
  }

  private record Spec(String name, DataType type, List<Long> dims, List<Long> reshape) {}

  private static void checkTensors(String model, String kind, List<Spec> specs, ModelConfig config) {
    Set<String> seen = new HashSet<>();
    for (Spec spec : specs) {
      if (spec.name().isEmpty()) {
        throw invalid("model '" + model + "': an " + kind + " has no name");
      }
      if (!seen.add(spec.name())) {
        throw invalid("model '" + model + "': " + kind + " '" + spec.name() + "' is declared twice");
      }
      if (spec.type() == DataType.TYPE_INVALID || spec.type() == DataType.UNRECOGNIZED) {
        throw invalid("model '" + model + "': " + kind + " '" + spec.name() + "' has no valid data_type");
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
      if (spec.reshape() != null && !spec.dims().contains(-1L) && !spec.reshape().contains(-1L)) {
        long from = product(spec.dims());
        long to = product(spec.reshape());
        if (from != to) {
          throw invalid("model '" + model + "': " + kind + " '" + spec.name() + "' has dims " + Shapes.format(spec.dims())
              + " and reshape " + Shapes.format(spec.reshape()) + " with different element counts");
        }
      }
    }
  }

  private static long product(List<Long> dims) {
    long p = 1;
    for (long d : dims) p *= d;
    return p;
  }

  private static void checkInstanceGroups(String model, ModelConfig config) {
    for (var group : config.getInstanceGroupList()) {
      if (group.getCount() < 1) {
        throw invalid("model '" + model + "': instance_group '" + group.getName() + "' has count " + group.getCount()
            + "; it must be >= 1");
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
