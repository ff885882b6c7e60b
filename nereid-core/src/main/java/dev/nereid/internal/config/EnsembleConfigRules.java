package dev.nereid.internal.config;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelEnsembling;

/**
 * Triton's rules for the fields of an ensemble's own config, checked as written (auto-complete later
 * gives every model an instance group, so these cannot wait for the completed config): no backend, no
 * instance groups, optimization or warm-up (an ensemble runs no model of its own), and steps that each
 * name a model and map its inputs and outputs. Messages keep Triton's wording after the model's name;
 * the graph itself (who produces and reads each tensor) is checked later by the ensemble's graph.
 */
final class EnsembleConfigRules {
  private EnsembleConfigRules() {}

  static void check(String model, ModelConfig config) {
    if (!"ensemble".equals(config.getPlatform())) return;
    String prefix = "model '" + model + "': ";
    if (!config.getBackend().isEmpty()) {
      throw invalid(prefix + "backend is '" + config.getBackend() + "': Ensemble model '" + model
          + "' must have platform type 'ensemble' and empty backend type");
    }
    if (config.getInstanceGroupCount() > 0) {
      throw invalid(prefix + "instance group should not be specified for ensemble " + model);
    }
    if (config.hasOptimization()) {
      throw invalid(prefix + "optimization should not be specified for ensemble " + model);
    }
    if (config.getModelWarmupCount() > 0) {
      throw invalid(prefix + "model_warmup can not be specified for ensemble '" + model + "'");
    }
    if (!config.hasEnsembleScheduling()) {
      throw invalid(prefix + "ensemble_scheduling is missing: ensemble scheduling must be set for ensemble " + model
          + " whose platform is ensemble");
    }
    if (config.getEnsembleScheduling().getStepCount() == 0) {
      throw invalid(prefix + "ensemble_scheduling has no step: must specify 'step' for ensemble '" + model + "'");
    }
    for (int index = 0; index < config.getEnsembleScheduling().getStepCount(); index++) {
      ModelEnsembling.Step step = config.getEnsembleScheduling().getStep(index);
      String where = prefix + "ensemble_scheduling step " + index + ": ";
      if (step.getModelName().isEmpty()) {
        throw invalid(where + "must specify 'model_name' in step of ensemble " + model);
      }
      if (step.getInputMapCount() == 0) {
        throw invalid(where + "must specify one or more 'input_map' in step of ensemble " + model);
      }
      if (step.getOutputMapCount() == 0) {
        throw invalid(where + "must specify 'output_map' in step " + index + " of ensemble '" + model + "'");
      }
    }
  }

  private static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }
}
