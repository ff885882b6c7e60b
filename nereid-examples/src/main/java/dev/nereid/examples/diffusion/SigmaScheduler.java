package dev.nereid.examples.diffusion;

/**
 * The schedulers that step in sigma (Karras-style), LMS and Euler: timesteps spaced evenly from 999 to
 * 0, the training sigma at each (interpolated) and a final sigma of 0. The latents start at the
 * largest sigma and are scaled by 1/sqrt(sigma^2 + 1) before the UNet.
 */
abstract sealed class SigmaScheduler implements Scheduler permits LmsScheduler, EulerScheduler {
  private final double[] timesteps;
  private final double[] sigmas;

  SigmaScheduler(int steps) {
    timesteps = NoiseSchedule.linspaceTimesteps(steps);
    sigmas = new double[steps + 1];
    for (int i = 0; i < steps; i++) {
      sigmas[i] = NoiseSchedule.sigmaAt(timesteps[i]);
    }
  }

  @Override
  public int steps() {
    return timesteps.length;
  }

  @Override
  public double timestep(int i) {
    return timesteps[i];
  }

  @Override
  public double initNoiseSigma() {
    return sigmas[0]; // the largest: timesteps run downwards
  }

  @Override
  public double inputScale(int i) {
    return 1 / Math.sqrt(sigmas[i] * sigmas[i] + 1);
  }

  /** The noise level at step {@code i}; 0 at {@code i == steps()}. */
  double sigma(int i) {
    return sigmas[i];
  }
}
