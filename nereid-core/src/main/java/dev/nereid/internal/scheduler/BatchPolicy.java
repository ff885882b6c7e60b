package dev.nereid.internal.scheduler;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelParameter;
import java.util.Locale;

/**
 * How the dynamic batcher decides when a batch leaves and how large it is. Chosen per model with the
 * config parameter {@value #PARAMETER}.
 */
public enum BatchPolicy {
  /**
   * The default. Measures the model's execution time by batch size and, with work queued and an
   * instance idle, waits up to {@code max_queue_delay_microseconds} only when the measured curve says
   * a larger batch is cheaper per row; otherwise it sends the queued work at once, split across the
   * instances so that it all finishes soonest. No instance stays idle longer than the queue delay while
   * work is queued. Batches stay below a ceiling found by trial under the current load (see
   * {@code BatchCeiling}): a smaller ceiling is kept only when it measures cheaper per row.
   */
  ADAPTIVE,
  /**
   * Triton's dynamic batcher exactly: a batch takes every compatible queued request up to
   * {@code max_batch_size} and leaves when it is full, reaches a preferred size, or its oldest request
   * has waited the queue delay, whatever the other instances are doing.
   */
  TRITON;

  /** The config parameter that selects the policy: {@code adaptive} or {@code triton}. */
  public static final String PARAMETER = "nereid_batch_policy";

  /** The policy a model's config selects. */
  public static BatchPolicy of(ModelConfig config) {
    ModelParameter p = config.getParametersMap().get(PARAMETER);
    if (p == null || p.getStringValue().isBlank()) return ADAPTIVE;
    String value = p.getStringValue().trim().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "adaptive" -> ADAPTIVE;
      case "triton" -> TRITON;
      default -> throw new NereidException.InvalidArgument("model '" + config.getName() + "': parameter '" + PARAMETER
          + "' must be 'adaptive' or 'triton', got '" + p.getStringValue() + "'");
    };
  }
}
