package dev.nereid.fil;

/**
 * What {@code output__0} holds per row, as Triton's FIL backend shapes it.
 */
enum OutputKind {
  /** {@code output_class} without {@code predict_proba}: the class id ([1]). */
  CLASS,
  /** {@code predict_proba}: one probability per class ([classes]; a binary model gives [2]). */
  PROBABILITIES,
  /** {@code output_class} false: the model's prediction ([1], or one value per output group). */
  VALUES;

  /** The kind the settings ask of this model; fails when they do not fit it (probabilities of a regressor). */
  static OutputKind of(FilSettings settings, TreeModel model, String name) {
    boolean classifier = model.isClassifier();
    if (settings.predictProba()) {
      if (!classifier) {
        throw new dev.nereid.NereidException.InvalidArgument("model '" + name + "': predict_proba is true, but "
            + model.format() + " is not a classifier (its objective has no logistic or softmax link)");
      }
      return PROBABILITIES;
    }
    return settings.outputClass().orElse(classifier) ? CLASS : VALUES;
  }

  /** The number of values per row. */
  int width(TreeModel model) {
    return switch (this) {
      case CLASS -> 1;
      case PROBABILITIES -> model.numClasses();
      case VALUES -> model.forest().numGroups();
    };
  }
}
