package dev.nereid;

/**
 * An error reported by Nereid. Each subclass is one of Triton's error kinds, so callers can catch
 * exactly the kind they handle ({@code catch (NereidException.NotFound e)}) and front ends can map
 * {@link #code()} to a protocol status without parsing messages.
 */
public abstract sealed class NereidException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private NereidException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The kind of this error. */
  public abstract ErrorCode code();

  /** Creates the exception of the given kind. */
  public static NereidException of(ErrorCode code, String message) {
    return of(code, message, null);
  }

  /** Creates the exception of the given kind with a cause. */
  public static NereidException of(ErrorCode code, String message, Throwable cause) {
    return switch (code) {
      case UNKNOWN -> new Unknown(message, cause);
      case INTERNAL -> new Internal(message, cause);
      case NOT_FOUND -> new NotFound(message, cause);
      case INVALID_ARGUMENT -> new InvalidArgument(message, cause);
      case UNAVAILABLE -> new Unavailable(message, cause);
      case UNSUPPORTED -> new Unsupported(message, cause);
      case ALREADY_EXISTS -> new AlreadyExists(message, cause);
      case CANCELLED -> new Cancelled(message, cause);
    };
  }

  /** Something failed for a reason not otherwise listed. */
  public static final class Unknown extends NereidException {
    private static final long serialVersionUID = 1L;
    public Unknown(String message) { this(message, null); }
    public Unknown(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.UNKNOWN; }
  }

  /** A fault inside the server or a backend. */
  public static final class Internal extends NereidException {
    private static final long serialVersionUID = 1L;
    public Internal(String message) { this(message, null); }
    public Internal(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.INTERNAL; }
  }

  /** A model, version or resource does not exist. */
  public static final class NotFound extends NereidException {
    private static final long serialVersionUID = 1L;
    public NotFound(String message) { this(message, null); }
    public NotFound(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.NOT_FOUND; }
  }

  /** The request or configuration is wrong. */
  public static final class InvalidArgument extends NereidException {
    private static final long serialVersionUID = 1L;
    public InvalidArgument(String message) { this(message, null); }
    public InvalidArgument(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.INVALID_ARGUMENT; }
  }

  /** The server or model cannot take the request now. */
  public static final class Unavailable extends NereidException {
    private static final long serialVersionUID = 1L;
    public Unavailable(String message) { this(message, null); }
    public Unavailable(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.UNAVAILABLE; }
  }

  /** The feature asked for is not supported. */
  public static final class Unsupported extends NereidException {
    private static final long serialVersionUID = 1L;
    public Unsupported(String message) { this(message, null); }
    public Unsupported(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.UNSUPPORTED; }
  }

  /** The thing to create exists already. */
  public static final class AlreadyExists extends NereidException {
    private static final long serialVersionUID = 1L;
    public AlreadyExists(String message) { this(message, null); }
    public AlreadyExists(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.ALREADY_EXISTS; }
  }

  /** The request was cancelled before it completed. */
  public static final class Cancelled extends NereidException {
    private static final long serialVersionUID = 1L;
    public Cancelled(String message) { this(message, null); }
    public Cancelled(String message, Throwable cause) { super(message, cause); }
    @Override public ErrorCode code() { return ErrorCode.CANCELLED; }
  }
}
