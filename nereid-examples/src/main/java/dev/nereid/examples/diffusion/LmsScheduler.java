package dev.nereid.examples.diffusion;

/**
 * diffusers' LMSDiscreteScheduler: a linear multistep method of order 4 in sigma. Each step adds the
 * last (up to) four derivatives, weighted by the integrals over [sigma_i, sigma_i+1] of the Lagrange
 * basis polynomials through the sigmas they were taken at. diffusers integrates with scipy's quad;
 * here Gauss-Legendre quadrature with four nodes, exact for these polynomials (degree 3 at most).
 */
public final class LmsScheduler extends SigmaScheduler {
  static final int ORDER = 4;
  private static final double[] NODES = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
  private static final double[] WEIGHTS = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};

  /** The derivatives of the last ORDER steps, a ring indexed by step number. */
  private final float[][] derivatives = new float[ORDER][];

  LmsScheduler(int steps) {
    super(steps);
  }

  @Override
  public void step(float[] noisePrediction, int i, float[] sample) {
    // With epsilon prediction the derivative dx/dsigma is the predicted noise itself.
    float[] slot = derivatives[i % ORDER];
    if (slot == null || slot.length != sample.length) {
      slot = derivatives[i % ORDER] = new float[sample.length];
    }
    System.arraycopy(noisePrediction, 0, slot, 0, sample.length);
    int order = Math.min(i + 1, ORDER);
    for (int back = 0; back < order; back++) {
      float coefficient = (float) coefficient(order, i, back);
      float[] derivative = derivatives[(i - back) % ORDER];
      for (int k = 0; k < sample.length; k++) {
        sample[k] += coefficient * derivative[k];
      }
    }
  }

  /**
   * The weight of the derivative taken {@code back} steps before step {@code i}: the integral from
   * sigma_i to sigma_i+1 of the Lagrange polynomial that is 1 at sigma_(i-back) and 0 at the other
   * {@code order - 1} sigmas.
   */
  double coefficient(int order, int i, int back) {
    double from = sigma(i);
    double to = sigma(i + 1);
    double half = (to - from) / 2;
    double mid = (to + from) / 2;
    double sum = 0;
    for (int n = 0; n < NODES.length; n++) {
      double tau = mid + half * NODES[n];
      double product = 1;
      for (int k = 0; k < order; k++) {
        if (k == back) continue;
        product *= (tau - sigma(i - k)) / (sigma(i - back) - sigma(i - k));
      }
      sum += WEIGHTS[n] * product;
    }
    return sum * half;
  }
}
