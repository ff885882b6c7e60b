package dev.nereid.internal.ensemble;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelParameter;
import java.util.Locale;

/**
 * Which threads run an ensemble's steps, chosen per ensemble with the config parameter
 * {@value #PARAMETER}.
 *
 * <p>Running a step on the thread that produced its input saves the hand-offs (about five context
 * switches per request of the text-embedding pipeline), but on the shared 2-core machine the
 * embedding model then cost more CPU per sentence on the producing thread than on its own instance
 * thread, and one caller got fewer sentences per second (docs/benchmarks.md). Until a quiet machine
 * settles which is faster, instance threads stay the default and the other way is one parameter away.
 */
enum StepThreads {
  /** Each step runs on an instance thread of its model, as in Triton. */
  INSTANCE,
  /**
   * A step whose model is idle with nothing queued runs on the thread that produced its input (a
   * caller waiting for the ensemble, or the thread that answered the previous step).
   */
  PRODUCER;

  /** The config parameter: {@code instance} (default) or {@code producer}. */
  static final String PARAMETER = "nereid_ensemble_step_thread";

  static StepThreads of(ModelConfig config) {
    ModelParameter p = config.getParametersMap().get(PARAMETER);
    if (p == null || p.getStringValue().isBlank()) return INSTANCE;
    return switch (p.getStringValue().trim().toLowerCase(Locale.ROOT)) {
      case "instance" -> INSTANCE;
      case "producer" -> PRODUCER;
      default -> throw new NereidException.InvalidArgument("ensemble '" + config.getName() + "': parameter '" + PARAMETER
          + "' must be 'instance' or 'producer', got '" + p.getStringValue() + "'");
    };
  }
}
