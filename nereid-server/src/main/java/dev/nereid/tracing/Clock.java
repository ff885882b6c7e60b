package dev.nereid.tracing;

/** Turns {@link System#nanoTime()} readings into nanoseconds since the epoch, from one pairing taken at start. */
final class Clock {
  private static final long EPOCH_NANOS;
  private static final long NANO_TIME;

  static {
    java.time.Instant now = java.time.Instant.now();
    NANO_TIME = System.nanoTime();
    EPOCH_NANOS = now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private Clock() {}

  static long epochNanos(long nanoTime) {
    return EPOCH_NANOS + (nanoTime - NANO_TIME);
  }
}
