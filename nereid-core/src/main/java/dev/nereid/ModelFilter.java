package dev.nereid;

/** Which versions {@link Server#models(ModelFilter)} lists. */
public enum ModelFilter {
  /** Every version the server knows, whatever its state. */
  ALL,
  /** Only the versions that are READY. */
  READY
}
