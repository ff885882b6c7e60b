package dev.nereid.python;

import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;

/** One loaded version of a Python model: its instances each run a stub of their own. */
final class PythonModel implements BackendModel {
  private final PythonSettings settings;

  PythonModel(ModelContext context) {
    this.settings = PythonSettings.of(context);
  }

  static boolean decoupled(ModelConfig config) {
    return config.hasModelTransactionPolicy() && config.getModelTransactionPolicy().getDecoupled();
  }

  @Override
  public BackendInstance createInstance(InstanceContext context) {
    return new PythonInstance(context, settings);
  }
}
