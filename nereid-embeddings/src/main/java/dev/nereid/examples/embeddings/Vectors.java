package dev.nereid.examples.embeddings;

/** Comparing embeddings. */
public final class Vectors {
  private Vectors() {}

  /**
   * The cosine similarity of two vectors of equal length, accumulated in double precision (1 for the
   * same direction; 0.9999 and above is what "the same embedding" means in this project's checks).
   *
   * @throws IllegalArgumentException if the lengths differ
   */
  public static double cosine(float[] a, float[] b) {
    if (a.length != b.length) throw new IllegalArgumentException("vector lengths " + a.length + " and " + b.length + " differ");
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
