package dev.nereid.examples.diffusion;

/**
 * The steps of the sigma-space (Karras-style) schedulers, LMS and Euler: timesteps spaced evenly from
 * 999 to 0, the training sigma at each (interpolated), and a final sigma of 0. The latents start at
 * the largest sigma and are scaled by 1/sqrt(sigma^2 + 1) before the UNet.
 */
record SigmaSteps(double[] timesteps, double[] sigmas) {
  static SigmaSteps of(int steps) {
    double[] timesteps = NoiseSchedule.linspaceTimesteps(steps);
    double[] sigmas = new double[steps + 1];
    for (int i = 0; i < steps; i++) {
      sigmas[i] = NoiseSchedule.sigmaAt(timesteps[i]);
    }
    return new SigmaSteps(timesteps, sigmas);
  }

  int steps() {
    return timesteps.length;
  }

  double sigma(int i) {
    return sigmas[i];
  }

  double initNoiseSigma() {
    return sigmas[0]; // the largest: timesteps run downwards
  }

  double inputScale(int i) {
    return 1 / Math.sqrt(sigmas[i] * sigmas[i] + 1);
  }
}
