package dev.nereid.examples.diffusion;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.IntFunction;

/** The schedulers the pipeline offers, by the name a request gives in its {@code scheduler} parameter. */
public enum SchedulerKind {
  /** diffusers' LMSDiscreteScheduler (order 4), the one Triton's Stable Diffusion tutorial uses. */
  LMS(LmsScheduler::new, NoiseSchedule.TRAIN_STEPS),
  /**
   * diffusers' DDIMScheduler with eta 0: deterministic. At most 999 steps: with Stable Diffusion's
   * steps_offset of 1, a thousand would start past the last training timestep.
   */
  DDIM(DdimScheduler::new, NoiseSchedule.TRAIN_STEPS - 1),
  /** diffusers' EulerDiscreteScheduler (no churn). */
  EULER(EulerScheduler::new, NoiseSchedule.TRAIN_STEPS);

  private final IntFunction<Scheduler> factory;
  private final int maxSteps;

  SchedulerKind(IntFunction<Scheduler> factory, int maxSteps) {
    this.factory = factory;
    this.maxSteps = maxSteps;
  }

  /** The name requests use: {@code lms}, {@code ddim}, {@code euler}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The most steps this scheduler can take. */
  public int maxSteps() {
    return maxSteps;
  }

  /**
   * A scheduler for a generation of {@code steps} steps.
   *
   * @throws IllegalArgumentException when steps is not 1 to {@link #maxSteps()}
   */
  public Scheduler create(int steps) {
    if (steps < 1 || steps > maxSteps) {
      throw new IllegalArgumentException("the " + id() + " scheduler takes 1 to " + maxSteps + " steps, got " + steps);
    }
    return factory.apply(steps);
  }

  /** The kind named {@code id} (any case). @throws IllegalArgumentException naming the choices */
  public static SchedulerKind parse(String id) {
    for (SchedulerKind kind : values()) {
      if (kind.id().equalsIgnoreCase(id.strip())) return kind;
    }
    throw new IllegalArgumentException("unknown scheduler '" + id + "'; choose one of "
        + Arrays.stream(values()).map(SchedulerKind::id).toList());
  }
}
