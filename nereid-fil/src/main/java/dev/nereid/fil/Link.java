package dev.nereid.fil;

/**
 * How a model turns its summed margins into predictions: the objective's inverse link function.
 */
enum Link {
  /** Regression and ranking: the margin is the prediction. */
  IDENTITY,
  /** Binary classification: each margin through the logistic function, {@code 1 / (1 + e^(-scale * m))}. */
  SIGMOID,
  /** Multiclass: softmax across the margins. */
  SOFTMAX,
  /** Poisson, gamma and Tweedie regression: {@code e^m}. */
  EXP;

  /** Applies the link to {@code count} margins at {@code offset}, in place. */
  void apply(double[] values, int offset, int count, double sigmoidScale) {
    switch (this) {
      case IDENTITY -> {}
      case SIGMOID -> {
        for (int i = offset; i < offset + count; i++) values[i] = 1.0 / (1.0 + Math.exp(-sigmoidScale * values[i]));
      }
      case EXP -> {
        for (int i = offset; i < offset + count; i++) values[i] = Math.exp(values[i]);
      }
      case SOFTMAX -> {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + count; i++) max = Math.max(max, values[i]);
        double sum = 0;
        for (int i = offset; i < offset + count; i++) {
          values[i] = Math.exp(values[i] - max);
          sum += values[i];
        }
        for (int i = offset; i < offset + count; i++) values[i] /= sum;
      }
    }
  }
}
