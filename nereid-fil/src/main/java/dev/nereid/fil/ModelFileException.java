package dev.nereid.fil;

/** A model file that cannot be read: names the file and what was wrong with it. */
final class ModelFileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ModelFileException(String message) {
    super(message);
  }

  ModelFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
