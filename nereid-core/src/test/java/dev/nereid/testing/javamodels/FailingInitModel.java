package dev.nereid.testing.javamodels;

import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.Batch;

/** Refuses to initialize, the way a model missing its weights would. */
public final class FailingInitModel implements JavaModel {
  @Override
  public void initialize(JavaModelContext context) {
    throw new IllegalStateException("weights file missing: " + context.versionDirectory().resolve("weights.bin"));
  }

  @Override
  public void execute(Batch batch) {
    throw new AssertionError("never initialized, never executed");
  }

  @Override
  public void finalizeModel() {
    JavaModelEvents.finalized("failing_init");
  }
}
