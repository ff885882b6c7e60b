package dev.nereid.internal.request;

/** The loaded model version a pending request belongs to, as the request sees it. */
public interface RequestOwner {
  String modelName();

  long modelVersion();

  /** Whether the model may send several responses per request. */
  boolean decoupled();

  /** Called once per request, after its final response was delivered. */
  void onFinal(PendingRequest request, FinalOutcome outcome);

  /** Takes the request out of the queue if it is still there; true if it was. */
  boolean removeQueued(PendingRequest request);

  /**
   * The request's execution ended without its final response: the backend keeps it (an ensemble, a
   * decoupled model), so the owner must be able to find it should it have to answer it on a stop.
   */
  default void outlivesExecution(PendingRequest request) {}
}
