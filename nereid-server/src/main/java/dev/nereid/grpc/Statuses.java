package dev.nereid.grpc;

import dev.nereid.NereidException;
import dev.nereid.frontend.ErrorMessages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns Nereid errors into gRPC statuses, with the same code table Triton's gRPC front end uses. */
final class Statuses {
  private static final Logger log = LoggerFactory.getLogger(Statuses.class);

  private Statuses() {}

  /** The status a client sees for this failure; the message goes in the status description. */
  static StatusRuntimeException toException(Throwable error) {
    return toStatus(error).asRuntimeException();
  }

  static Status toStatus(Throwable error) {
    Status status = classify(error);
    String description = status.getDescription();
    return description == null || description.length() <= ErrorMessages.MAX_LENGTH ? status
        : status.withDescription(ErrorMessages.cap(description));
  }

  private static Status classify(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof NereidException n) {
      Status status = switch (n.code()) {
        case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case NOT_FOUND -> Status.NOT_FOUND;
        case UNAVAILABLE -> Status.UNAVAILABLE;
        case UNSUPPORTED -> Status.UNIMPLEMENTED;
        case INTERNAL -> Status.INTERNAL;
        case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
        case CANCELLED -> Status.CANCELLED;
        case UNKNOWN -> Status.UNKNOWN;
      };
      return status.withDescription(n.getMessage());
    }
    if (e instanceof StatusRuntimeException s) {
      return s.getStatus();
    }
    if (e instanceof CancellationException) {
      return Status.CANCELLED.withDescription("request cancelled");
    }
    // Not an error the core classified: a bug somewhere. The client gets INTERNAL, the log the trace.
    log.error("gRPC call failed unexpectedly", e);
    return Status.INTERNAL.withDescription(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
  }

  /** The message a streaming client reads from {@code error_message}. */
  static String message(Throwable error) {
    Status status = toStatus(error);
    return status.getDescription() == null ? status.getCode().name() : status.getDescription();
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
