package dev.nereid.fil;

/**
 * A loaded tree model: its compiled forest and how margins become predictions.
 *
 * @param forest the trees
 * @param link the objective's inverse link
 * @param sigmoidScale the factor inside the logistic function (LightGBM's {@code sigmoid:}; 1 for XGBoost)
 * @param format what the file was, for messages and logs (e.g. "XGBoost 1.7.4 JSON, binary:logistic")
 */
record TreeModel(Forest forest, Link link, double sigmoidScale, String format) {
  /** Whether the model classifies: a sigmoid or softmax objective. */
  boolean isClassifier() {
    return link == Link.SIGMOID || link == Link.SOFTMAX;
  }

  /** The number of classes a classifier tells apart: 2 for a single-margin (binary) model. */
  int numClasses() {
    return forest.numGroups() == 1 ? 2 : forest.numGroups();
  }
}
