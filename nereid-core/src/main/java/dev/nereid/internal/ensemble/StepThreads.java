package dev.nereid.internal.ensemble;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelParameter;
import java.util.Locale;

/**
 * Which threads run an ensemble's steps, chosen per ensemble with the config parameter
 * {@value #PARAMETER}.
 *
 * <p>Running a step on the thread that produced its input saves the hand-offs: one caller of the
 * text-embedding pipeline goes from about six context switches per sentence to under 0.1. On a quiet
 * 2-core machine that made one caller 1.07-1.78x faster than instance threads in three alternating
 * pairs, level with DJL (docs/benchmarks.md), so it is the default; Triton's instance threads are one
 * parameter away.
 */
enum StepThreads {
  /** Each step runs on an instance thread of its model, as in Triton. */
  INSTANCE,
  /**
   * The default. A step whose model is idle with nothing queued runs on the thread that produced its
   * input (a caller waiting for the ensemble, or the thread that answered the previous step).
   */
  PRODUCER;

  /** The config parameter: {@code producer} (default) or {@code instance}. */
  static final String PARAMETER = "nereid_ensemble_step_thread";

  static StepThreads of(ModelConfig config) {
    ModelParameter p = config.getParametersMap().get(PARAMETER);
    if (p == null || p.getStringValue().isBlank()) return PRODUCER;
    return switch (p.getStringValue().trim().toLowerCase(Locale.ROOT)) {
      case "instance" -> INSTANCE;
      case "producer" -> PRODUCER;
      default -> throw new NereidException.InvalidArgument("ensemble '" + config.getName() + "': parameter '" + PARAMETER
          + "' must be 'instance' or 'producer', got '" + p.getStringValue() + "'");
    };
  }
}
