#!/usr/bin/python3
"""Converts a scikit-learn random forest to an XGBoost JSON model that Nereid's fil backend serves.

Triton's FIL backend serves scikit-learn forests as Treelite checkpoints (checkpoint.tl), a format Nereid does
not read. This script writes the same forest in XGBoost's JSON schema instead (model_type xgboost_json):

* RandomForestRegressor / ExtraTreesRegressor: one tree per estimator, each leaf divided by the number of
  estimators, base_score 0: the model's sum is the forest's mean, as scikit-learn predicts.
* RandomForestClassifier / ExtraTreesClassifier: one tree per estimator and class (num_target = classes),
  each leaf the tree's class probability divided by the number of estimators: the model's outputs are
  scikit-learn's predict_proba. Serve it with output_class "false" for the probabilities ([classes]), or
  output_class "true" for the class index (the largest probability, as predict() gives).

scikit-learn splits are "x <= threshold" on float32 features with a float64 threshold; XGBoost's are
"x < condition" on float32, so each condition is the smallest float32 above the threshold's float32 floor:
the same rows go left. Missing values follow missing_go_to_left where the forest has it (scikit-learn 1.4+),
and go right otherwise (older forests reject NaN at predict time).

Usage: convert_sklearn.py model.pkl xgboost.json   (a pickled estimator), or from Python:
    from convert_sklearn import convert; convert(estimator, "xgboost.json")
"""
import json
import pickle
import sys

import numpy as np


def _condition(threshold):
    """The float32 c with (x < c) == (x <= threshold) for every float32 x."""
    f = np.float32(threshold)
    if float(f) > threshold:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(np.nextafter(f, np.float32(np.inf)))


def _tree(estimator_tree, scale, klass, num_feature, tree_id):
    t = estimator_tree.tree_
    n = t.node_count
    left = [int(c) for c in t.children_left]
    right = [int(c) for c in t.children_right]
    go_left = getattr(t, "missing_go_to_left", None)
    conditions, indices, default_left = [], [], []
    for i in range(n):
        if left[i] == -1:
            value = t.value[i][0]
            leaf = value[klass] / value.sum() if klass is not None else value[0]
            conditions.append(float(np.float32(leaf * scale)))
            indices.append(0)
            default_left.append(0)
        else:
            conditions.append(_condition(float(t.threshold[i])))
            indices.append(int(t.feature[i]))
            default_left.append(int(go_left[i]) if go_left is not None else 0)
    parents = [2147483647] * n
    for i in range(n):
        for c in (left[i], right[i]):
            if c != -1:
                parents[c] = i
    return {
        "base_weights": [0.0] * n, "categories": [], "categories_nodes": [], "categories_segments": [],
        "categories_sizes": [], "default_left": default_left, "id": tree_id, "left_children": left,
        "loss_changes": [0.0] * n, "parents": parents, "right_children": right, "split_conditions": conditions,
        "split_indices": indices, "split_type": [0] * n, "sum_hessian": [0.0] * n,
        "tree_param": {"num_deleted": "0", "num_feature": str(num_feature), "num_nodes": str(n),
                       "size_leaf_vector": "1"},
    }


def convert(model, path):
    """Writes a fitted scikit-learn forest to path as XGBoost JSON."""
    estimators = list(model.estimators_)
    if getattr(model, "n_outputs_", 1) != 1:
        raise ValueError("multi-output forests are not supported")
    num_feature = int(model.n_features_in_)
    classifier = hasattr(model, "classes_")
    classes = list(range(len(model.classes_))) if classifier else [None]
    scale = 1.0 / len(estimators)
    trees, info = [], []
    for e in estimators:
        for k in classes:
            trees.append(_tree(e, scale, k, num_feature, len(trees)))
            info.append(k if k is not None else 0)
    doc = {
        "learner": {
            "attributes": {},
            "feature_names": [],
            "feature_types": [],
            "gradient_booster": {
                "name": "gbtree",
                "model": {
                    "gbtree_model_param": {"num_parallel_tree": "1", "num_trees": str(len(trees))},
                    "tree_info": info,
                    "trees": trees,
                },
            },
            "learner_model_param": {"base_score": "0E0", "boost_from_average": "0", "num_class": "0",
                                    "num_feature": str(num_feature), "num_target": str(len(classes))},
            "objective": {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}},
        },
        "version": [1, 7, 4],
    }
    with open(path, "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: convert_sklearn.py model.pkl xgboost.json")
    with open(sys.argv[1], "rb") as f:
        convert(pickle.load(f), sys.argv[2])
