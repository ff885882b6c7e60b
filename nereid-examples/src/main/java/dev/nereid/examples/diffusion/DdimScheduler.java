package dev.nereid.examples.diffusion;

/**
 * diffusers' DDIMScheduler with eta 0 (no added noise), configured as Stable Diffusion 1.x ships it:
 * timesteps every 1000/steps training steps from 1 ("leading" spacing, steps_offset 1), and the
 * last step lands on alpha-bar at timestep 0 (set_alpha_to_one false). No input scaling, and the
 * initial noise is unscaled.
 */
public final class DdimScheduler implements Scheduler {
  private static final int STEPS_OFFSET = 1;

  private final int steps;
  private final int stride;

  DdimScheduler(int steps) {
    this.steps = steps;
    this.stride = NoiseSchedule.TRAIN_STEPS / steps;
  }

  @Override
  public int steps() {
    return steps;
  }

  @Override
  public double timestep(int i) {
    return wholeTimestep(i);
  }

  private int wholeTimestep(int i) {
    return (steps - 1 - i) * stride + STEPS_OFFSET;
  }

  @Override
  public double initNoiseSigma() {
    return 1;
  }

  @Override
  public double inputScale(int i) {
    return 1;
  }

  @Override
  public void step(float[] noisePrediction, int i, float[] sample) {
    int t = wholeTimestep(i);
    int previous = t - stride;
    double alpha = NoiseSchedule.alphaCumprod(t);
    double alphaPrevious = NoiseSchedule.alphaCumprod(Math.max(previous, 0));
    // x_prev = sqrt(a_prev) * x0 + sqrt(1 - a_prev) * eps, with x0 = (x - sqrt(1 - a) * eps) / sqrt(a).
    float sampleWeight = (float) Math.sqrt(alphaPrevious / alpha);
    float noiseWeight = (float) (Math.sqrt(1 - alphaPrevious) - Math.sqrt(alphaPrevious) * Math.sqrt(1 - alpha) / Math.sqrt(alpha));
    for (int k = 0; k < sample.length; k++) {
      sample[k] = sampleWeight * sample[k] + noiseWeight * noisePrediction[k];
    }
  }
}
