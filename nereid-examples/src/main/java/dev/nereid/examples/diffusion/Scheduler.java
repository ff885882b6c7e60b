package dev.nereid.examples.diffusion;

/**
 * A denoising schedule for one generation, as diffusers' schedulers define it for Stable Diffusion
 * (epsilon prediction): which training timestep the UNet sees at each step, how the latents are
 * scaled before it, and how its noise prediction moves the latents to the next step.
 *
 * <p>A scheduler may keep state between steps (LMS keeps the last derivatives): make one per
 * generation with {@link SchedulerKind#create}, and call {@link #step} for i = 0, 1, ... in order. Not
 * thread-safe.
 */
public sealed interface Scheduler permits SigmaScheduler, DdimScheduler {
  /** The number of denoising steps. */
  int steps();

  /** The training timestep (0 to 999) the UNet is given at step {@code i}; LMS and Euler give fractions. */
  double timestep(int i);

  /** The factor of the initial Gaussian noise. */
  double initNoiseSigma();

  /** The factor of the latents given to the UNet at step {@code i}. */
  double inputScale(int i);

  /**
   * Moves {@code sample} (the latents, updated in place) from step {@code i} to step {@code i + 1},
   * given the UNet's (guided) noise prediction for it.
   */
  void step(float[] noisePrediction, int i, float[] sample);
}
