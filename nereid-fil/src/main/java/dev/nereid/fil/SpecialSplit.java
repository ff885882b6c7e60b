package dev.nereid.fil;

/**
 * A split that is not a plain "{@code x < threshold}, NaN to a default side" test: categorical splits and
 * LightGBM's zero-as-missing splits. Rare in the hot loop, so they take a call instead of widening every
 * node.
 */
sealed interface SpecialSplit {
  /** Whether a row with this feature value goes to the left child. */
  boolean goesLeft(float x);

  /**
   * XGBoost's categorical split: the listed categories go right; a category that is negative, too large
   * for a float to hold exactly, or past the end of the set goes left; NaN takes the default side.
   */
  record XgboostCategories(long[] words, boolean nanLeft) implements SpecialSplit {
    private static final float MAX_CATEGORY = 1 << 24;

    @Override
    public boolean goesLeft(float x) {
      if (Float.isNaN(x)) return nanLeft;
      if (x < 0 || x >= MAX_CATEGORY) return true;
      return !contains(words, (int) x);
    }
  }

  /**
   * LightGBM's categorical split: the listed categories go left; NaN and negative values go right.
   */
  record LightGbmCategories(long[] words) implements SpecialSplit {
    @Override
    public boolean goesLeft(float x) {
      if (Float.isNaN(x)) return false;
      int category = (int) x;
      if (category < 0) return false;
      return contains(words, category);
    }
  }

  /**
   * LightGBM's numerical split with {@code missing_type} Zero: NaN counts as 0, and 0 (within LightGBM's
   * zero threshold) is missing and takes the default side; other values go left when {@code x <= threshold},
   * compared in double as LightGBM does.
   */
  record LightGbmZeroMissing(double threshold, boolean defaultLeft) implements SpecialSplit {
    private static final double ZERO_THRESHOLD = 1e-35;

    @Override
    public boolean goesLeft(float x) {
      double v = Float.isNaN(x) ? 0.0 : x;
      if (v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) return defaultLeft;
      return v <= threshold;
    }
  }

  /**
   * The plain test, "{@code x < threshold}, NaN to the default side", for the rare node that
   * {@link CompleteTrees} cannot encode as a plain compare (a NaN or minus-infinity threshold whose NaN
   * goes left).
   */
  record Numeric(float threshold, boolean nanLeft) implements SpecialSplit {
    @Override
    public boolean goesLeft(float x) {
      return x < threshold || (Float.isNaN(x) && nanLeft);
    }
  }

  private static boolean contains(long[] words, int bit) {
    int word = bit >>> 6;
    return word < words.length && (words[word] & (1L << (bit & 63))) != 0;
  }
}
