package dev.nereid.frontend;

/**
 * Keeps error messages a client can take: messages repeat what the client sent (model, tensor and
 * parameter names, paths), and a megabyte-long model name would make a megabyte-long message, which
 * gRPC clients refuse (their status trailer may hold 8 KiB) and logs carry for nothing. The start and
 * the end of a long message are kept (the end usually says what was wrong); the middle is elided.
 */
public final class ErrorMessages {
  /** The longest message sent, in characters. */
  public static final int MAX_LENGTH = 1024;
  private static final int HEAD = 640;
  private static final int TAIL = 256;

  private ErrorMessages() {}

  /** The message, or its start and end with the middle elided when it is longer than {@link #MAX_LENGTH}. */
  public static String cap(String message) {
    if (message == null || message.length() <= MAX_LENGTH) return message;
    int head = HEAD;
    int tail = message.length() - TAIL;
    // Do not split a surrogate pair.
    if (Character.isHighSurrogate(message.charAt(head - 1))) head--;
    if (Character.isLowSurrogate(message.charAt(tail))) tail++;
    return message.substring(0, head) + "...[" + (tail - head) + " characters elided]..." + message.substring(tail);
  }
}
