package dev.nereid;

/**
 * One row of the repository index: a model version, its state and, when it is not ready, why.
 *
 * @param name the model's name
 * @param version the version, or -1 for a model in a repository that has no loaded version
 * @param state the version's state
 * @param reason why the version is in that state ({@code "unloaded"}, a load error), or empty
 */
public record ModelIndexEntry(String name, long version, ModelState state, String reason) {
  /** The (name, version) key of this row. */
  public ModelKey key() {
    return new ModelKey(name, version);
  }
}
