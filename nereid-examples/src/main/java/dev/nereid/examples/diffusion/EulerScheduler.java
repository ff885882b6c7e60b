package dev.nereid.examples.diffusion;

/**
 * diffusers' EulerDiscreteScheduler without churn: one Euler step of the probability-flow ODE in
 * sigma, x += eps * (sigma_next - sigma).
 */
public final class EulerScheduler implements Scheduler {
  private final SigmaSteps steps;

  EulerScheduler(int steps) {
    this.steps = SigmaSteps.of(steps);
  }

  @Override
  public int steps() {
    return steps.steps();
  }

  @Override
  public double timestep(int i) {
    return steps.timesteps()[i];
  }

  @Override
  public double initNoiseSigma() {
    return steps.initNoiseSigma();
  }

  @Override
  public double inputScale(int i) {
    return steps.inputScale(i);
  }

  @Override
  public void step(float[] noisePrediction, int i, float[] sample) {
    // With epsilon prediction the ODE's derivative dx/dsigma is the predicted noise itself.
    float dt = (float) (steps.sigma(i + 1) - steps.sigma(i));
    for (int k = 0; k < sample.length; k++) {
      sample[k] += noisePrediction[k] * dt;
    }
  }
}
