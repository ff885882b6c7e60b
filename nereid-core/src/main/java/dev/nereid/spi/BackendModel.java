package dev.nereid.spi;

/** One loaded version of a model: owns what its instances share (weights, sessions, thread pools). */
public interface BackendModel extends AutoCloseable {
  /** Creates one instance; called once per instance of the model's instance groups. */
  BackendInstance createInstance(InstanceContext context) throws Exception;

  /** Releases the model; called after every instance is closed. */
  @Override
  default void close() throws Exception {}
}
