package dev.nereid.examples.diffusion;

/**
 * The noise schedule Stable Diffusion 1.x was trained with: "scaled linear" betas, whose square roots
 * run linearly from sqrt(0.00085) to sqrt(0.012) over 1000 training timesteps.
 */
final class NoiseSchedule {
  static final int TRAIN_STEPS = 1000;
  static final double BETA_START = 0.00085;
  static final double BETA_END = 0.012;

  /** alpha-bar: the product of (1 - beta) up to each timestep. */
  private static final double[] ALPHAS_CUMPROD = alphasCumprod();
  /** The noise level of each training timestep: sqrt((1 - alpha-bar) / alpha-bar). */
  private static final double[] SIGMAS = sigmas();

  private NoiseSchedule() {}

  static double alphaCumprod(int t) {
    return ALPHAS_CUMPROD[t];
  }

  /** The training sigma at a fractional timestep, interpolated linearly between whole ones (numpy's interp). */
  static double sigmaAt(double t) {
    if (t <= 0) return SIGMAS[0];
    if (t >= TRAIN_STEPS - 1) return SIGMAS[TRAIN_STEPS - 1];
    int low = (int) Math.floor(t);
    double frac = t - low;
    return SIGMAS[low] + frac * (SIGMAS[low + 1] - SIGMAS[low]);
  }

  /** {@code steps} timesteps spaced evenly from 999 down to 0 (diffusers' "linspace" spacing). */
  static double[] linspaceTimesteps(int steps) {
    double[] t = new double[steps];
    double stride = steps == 1 ? 0 : (TRAIN_STEPS - 1) / (double) (steps - 1);
    for (int i = 0; i < steps; i++) {
      t[steps - 1 - i] = i == steps - 1 && steps > 1 ? TRAIN_STEPS - 1 : i * stride;
    }
    return t;
  }

  private static double[] alphasCumprod() {
    double[] out = new double[TRAIN_STEPS];
    double from = Math.sqrt(BETA_START);
    double to = Math.sqrt(BETA_END);
    double product = 1;
    for (int t = 0; t < TRAIN_STEPS; t++) {
      double root = from + (to - from) * t / (TRAIN_STEPS - 1);
      product *= 1 - root * root;
      out[t] = product;
    }
    return out;
  }

  private static double[] sigmas() {
    double[] out = new double[TRAIN_STEPS];
    for (int t = 0; t < TRAIN_STEPS; t++) {
      out[t] = Math.sqrt((1 - ALPHAS_CUMPROD[t]) / ALPHAS_CUMPROD[t]);
    }
    return out;
  }
}
