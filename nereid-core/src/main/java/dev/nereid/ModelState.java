package dev.nereid;

/** The state of one version of a model, with Triton's names. */
public enum ModelState {
  /** Known to the repository but never loaded, or in no state the server tracks. */
  UNKNOWN,
  /** Loaded and serving. */
  READY,
  /** Not serving: it failed to load (see the reason) or was unloaded. */
  UNAVAILABLE,
  /** Being loaded. */
  LOADING,
  /** Being unloaded: requests in flight still finish. */
  UNLOADING
}
