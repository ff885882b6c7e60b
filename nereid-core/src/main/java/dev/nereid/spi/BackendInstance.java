package dev.nereid.spi;

/** One instance of a model: runs one batch at a time. */
public interface BackendInstance extends AutoCloseable {
  /**
   * Runs a batch of requests. Each must get exactly one final response through its
   * {@link BackendRequest#responder()}, now or later, from any thread. If this method throws, every
   * request of the batch still waiting for its final response gets an error response.
   */
  void execute(Batch batch) throws Exception;

  /** Releases the instance; called once, after its last {@code execute} has returned. */
  @Override
  default void close() throws Exception {}
}
