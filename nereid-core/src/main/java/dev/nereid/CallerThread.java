package dev.nereid;

/** Whether {@link Model#inferAsync(InferenceRequest, java.util.concurrent.Executor, CallerThread)} may use the calling thread. */
public enum CallerThread {
  /** The request is queued; the model runs on an instance thread. */
  NEVER_RUNS,
  /**
   * When nothing is queued for the model and one of its instances is idle, the model runs on the
   * calling thread before the call returns: two thread hand-offs fewer. For a caller whose thread may
   * be held for one execution, such as an event loop serving a fast model.
   */
  RUNS_WHEN_IDLE
}
