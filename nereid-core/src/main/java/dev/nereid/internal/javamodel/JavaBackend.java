package dev.nereid.internal.javamodel;

import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.util.List;

/**
 * The {@code java} backend: serves {@link JavaModel} classes from a version's {@code model.jar} or the
 * class path. One model object per instance; the version owns the class (and its class loader).
 */
public final class JavaBackend implements Backend {
  @Override
  public String name() {
    return "java";
  }

  @Override
  public List<String> modelFileNames() {
    return List.of(ModelClass.JAR);
  }

  @Override
  public ModelConfig autoCompleteConfig(ModelContext context) throws Exception {
    if (context.parameter(ModelClass.CLASS_PARAMETER).isEmpty()) {
      return context.config(); // loading reports the missing class, with the config validated first
    }
    try (ModelClass modelClass = ModelClass.open(context)) {
      return modelClass.autoComplete(context.config());
    }
  }

  @Override
  public BackendModel load(ModelContext context) {
    ModelClass modelClass = ModelClass.open(context);
    return new BackendModel() {
      @Override
      public BackendInstance createInstance(InstanceContext instance) throws Exception {
        JavaModel model = modelClass.newInstance();
        ClassLoader previous = modelClass.enter();
        try {
          model.initialize(new JavaModelContext(instance));
        } finally {
          modelClass.exit(previous);
        }
        return new JavaInstance(context.name(), context.version(), modelClass, model);
      }

      @Override
      public void close() {
        modelClass.close();
      }

      @Override
      public String toString() {
        return "java model '" + context.name() + "' version " + context.version() + " (" + modelClass.className() + ")";
      }
    };
  }
}
