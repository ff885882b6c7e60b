package dev.nereid.internal.javamodel;

import dev.nereid.NereidException;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.Batch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of a Java model. Whatever its {@code execute} throws ends the batch's unanswered
 * requests with an error naming the model and the exception; the instance keeps serving.
 */
final class JavaInstance implements BackendInstance {
  private static final Logger log = LoggerFactory.getLogger(JavaInstance.class);

  private final String name;
  private final long version;
  private final ModelClass modelClass;
  private final JavaModel model;

  JavaInstance(String name, long version, ModelClass modelClass, JavaModel model) {
    this.name = name;
    this.version = version;
    this.modelClass = modelClass;
    this.model = model;
  }

  @Override
  public void execute(Batch batch) {
    ClassLoader previous = modelClass.enter();
    try {
      model.execute(batch);
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError e && !(t instanceof StackOverflowError)) {
        batch.fail(error(t));
        throw e;
      }
      if (t instanceof NereidException) {
        log.debug("model '{}' version {} failed a batch", name, version, t);
      } else {
        log.warn("model '{}' version {} failed a batch of {}", name, version, batch.requests().size(), t);
      }
      batch.fail(error(t));
    } finally {
      modelClass.exit(previous);
    }
  }

  /** The error the batch's requests get: it names the model and the exception, and keeps a NereidException's code. */
  private NereidException error(Throwable t) {
    String prefix = "model '" + name + "' version " + version + " failed: ";
    if (t instanceof NereidException e) {
      return NereidException.of(e.code(), prefix + e.getMessage(), e);
    }
    return new NereidException.Internal(prefix + t.getClass().getName()
        + (t.getMessage() == null ? "" : ": " + t.getMessage()), t);
  }

  @Override
  public void close() throws Exception {
    ClassLoader previous = modelClass.enter();
    try {
      model.finalizeModel();
    } finally {
      modelClass.exit(previous);
    }
  }

  @Override
  public String toString() {
    return "java model '" + name + "' version " + version + " instance";
  }
}
