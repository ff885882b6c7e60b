package dev.nereid.internal.javamodel;

import dev.nereid.NereidException;
import dev.nereid.model.JavaModel;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.ModelContext;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's {@link JavaModel} class, found once per loaded version: in the version's {@code model.jar}
 * through a class loader of its own (so versions load side by side and unloading frees them), or on
 * the application's class path.
 */
final class ModelClass implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelClass.class);
  static final String CLASS_PARAMETER = "class";
  static final String JAR = "model.jar";

  private final String model;
  private final Class<? extends JavaModel> type;
  private final Constructor<? extends JavaModel> constructor;
  private final URLClassLoader ownLoader;

  private ModelClass(String model, Class<? extends JavaModel> type, Constructor<? extends JavaModel> constructor,
      URLClassLoader ownLoader) {
    this.model = model;
    this.type = type;
    this.constructor = constructor;
    this.ownLoader = ownLoader;
  }

  /** Finds the class the config names; the caller closes the result. */
  static ModelClass open(ModelContext context) {
    String model = "model '" + context.name() + "'";
    String className = context.parameter(CLASS_PARAMETER).filter(s -> !s.isBlank()).orElseThrow(() ->
        new NereidException.InvalidArgument(model + " uses the java backend but names no class: add "
            + "parameters { key: \"class\" value { string_value: \"com.example.MyModel\" } }"));
    Path jar = context.modelFile(JAR);
    ClassLoader parent = ModelClass.class.getClassLoader();
    URLClassLoader own = Files.isRegularFile(jar)
        ? new URLClassLoader("nereid-model-" + context.name() + "-v" + context.version(), new URL[] {url(jar)}, parent)
        : null;
    try {
      Class<?> found;
      try {
        found = Class.forName(className, true, own != null ? own : parent);
      } catch (ClassNotFoundException e) {
        throw new NereidException.InvalidArgument(model + ": class '" + className + "' not found "
            + (own != null ? "in " + jar + " or " : "") + "on the class path", e);
      } catch (LinkageError e) {
        throw new NereidException.InvalidArgument(model + ": class '" + className + "' cannot be loaded: " + e, e);
      }
      if (!JavaModel.class.isAssignableFrom(found)) {
        throw new NereidException.InvalidArgument(model + ": class '" + className + "' does not implement "
            + JavaModel.class.getName());
      }
      Class<? extends JavaModel> type = found.asSubclass(JavaModel.class);
      Constructor<? extends JavaModel> constructor;
      try {
        constructor = type.getConstructor();
      } catch (NoSuchMethodException e) {
        throw new NereidException.InvalidArgument(model + ": class '" + className
            + "' needs a public constructor without parameters", e);
      }
      return new ModelClass(context.name(), type, constructor, own);
    } catch (RuntimeException e) {
      closeLoader(own);
      throw e;
    }
  }

  /** A new model object, with the model's class loader as the thread's context loader meanwhile. */
  JavaModel newInstance() throws Exception {
    ClassLoader previous = enter();
    try {
      return constructor.newInstance();
    } catch (InvocationTargetException e) {
      throw asException(e.getCause());
    } finally {
      exit(previous);
    }
  }

  /**
   * Runs the class's static {@code autoCompleteConfig(ModelConfig)} if it declares one; otherwise
   * returns the config unchanged.
   */
  ModelConfig autoComplete(ModelConfig config) throws Exception {
    Method method;
    try {
      method = type.getMethod("autoCompleteConfig", ModelConfig.class);
    } catch (NoSuchMethodException e) {
      return config;
    }
    if (!Modifier.isStatic(method.getModifiers()) || method.getReturnType() != ModelConfig.class) {
      throw new NereidException.InvalidArgument("model '" + model + "': " + type.getName()
          + ".autoCompleteConfig must be 'public static ModelConfig autoCompleteConfig(ModelConfig)'");
    }
    ClassLoader previous = enter();
    try {
      ModelConfig completed = (ModelConfig) method.invoke(null, config);
      if (completed == null) {
        throw new NereidException.InvalidArgument("model '" + model + "': " + type.getName()
            + ".autoCompleteConfig returned null");
      }
      return completed;
    } catch (InvocationTargetException e) {
      throw asException(e.getCause());
    } finally {
      exit(previous);
    }
  }

  /** Makes the model's own loader the thread's context loader; returns the one to restore. */
  ClassLoader enter() {
    if (ownLoader == null) return null;
    Thread current = Thread.currentThread();
    ClassLoader previous = current.getContextClassLoader();
    current.setContextClassLoader(ownLoader);
    return previous;
  }

  void exit(ClassLoader previous) {
    if (ownLoader != null) Thread.currentThread().setContextClassLoader(previous);
  }

  String className() {
    return type.getName();
  }

  @Override
  public void close() {
    closeLoader(ownLoader);
  }

  private static void closeLoader(URLClassLoader loader) {
    if (loader == null) return;
    try {
      loader.close();
    } catch (IOException e) {
      log.warn("closing class loader {} failed", loader.getName(), e);
    }
  }

  private static Exception asException(Throwable t) {
    if (t instanceof Exception e) return e;
    if (t instanceof Error e) throw e;
    return new RuntimeException(t);
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new NereidException.InvalidArgument("model jar path " + jar + " is not a valid URL", e);
    }
  }
}
