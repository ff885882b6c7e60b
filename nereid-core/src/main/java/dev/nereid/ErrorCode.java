package dev.nereid;

/**
 * The kind of an error, as Triton defines them. Each maps to one HTTP and one gRPC status, so the
 * kind chosen where an error is thrown decides what a remote client sees.
 */
public enum ErrorCode {
  /** Something failed for a reason not otherwise listed (HTTP 400). */
  UNKNOWN(400),
  /** A fault inside the server or a backend (HTTP 500). */
  INTERNAL(500),
  /** A model, version or resource does not exist (HTTP 404). */
  NOT_FOUND(404),
  /** The request or configuration is wrong; the caller must change it (HTTP 400). */
  INVALID_ARGUMENT(400),
  /** The server or model cannot take the request now: not ready, stopping, or its queue is full (HTTP 503). */
  UNAVAILABLE(503),
  /** The feature asked for is not supported (HTTP 501). */
  UNSUPPORTED(501),
  /** The thing to create exists already (HTTP 400). */
  ALREADY_EXISTS(400),
  /** The request was cancelled before it completed (HTTP 400). */
  CANCELLED(400);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /** The HTTP status Triton's HTTP front end answers with for this kind of error. */
  public int httpStatus() {
    return httpStatus;
  }
}
