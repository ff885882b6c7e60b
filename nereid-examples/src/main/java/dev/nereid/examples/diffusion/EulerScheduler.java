package dev.nereid.examples.diffusion;

/**
 * diffusers' EulerDiscreteScheduler without churn: one Euler step of the probability-flow ODE in
 * sigma, x += eps * (sigma_next - sigma).
 */
public final class EulerScheduler extends SigmaScheduler {
  EulerScheduler(int steps) {
    super(steps);
  }

  @Override
  public void step(float[] noisePrediction, int i, float[] sample) {
    // With epsilon prediction the ODE's derivative dx/dsigma is the predicted noise itself.
    float dt = (float) (sigma(i + 1) - sigma(i));
    for (int k = 0; k < sample.length; k++) {
      sample[k] += noisePrediction[k] * dt;
    }
  }
}
