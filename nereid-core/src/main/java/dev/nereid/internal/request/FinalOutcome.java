package dev.nereid.internal.request;

/** How a request ended, for statistics and the failure-reason label of Triton's metrics. */
public enum FinalOutcome {
  SUCCESS,
  /** Refused before it ran: a full queue, a timeout in the queue, a stopping server. */
  REJECTED,
  CANCELED,
  /** The backend failed it. */
  BACKEND,
  OTHER
}
