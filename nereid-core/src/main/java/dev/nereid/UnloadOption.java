package dev.nereid;

/** What {@link Server#unload(String, UnloadOption...)} does besides unloading the model. */
public enum UnloadOption {
  /** Also unload the ensembles that use the model. */
  DEPENDENTS,
  /** Return only once every version is unloaded (its requests in flight finished), not at once. */
  WAIT
}
