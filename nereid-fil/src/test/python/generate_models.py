#!/usr/bin/python3
"""Trains the small XGBoost 1.x models nereid-fil's tests read (Debian's python3-xgboost 1.7).

The tests compare Nereid's predictions with xgboost4j's own on the same files, so this script writes only
the models: each in XGBoost JSON, UBJSON and the legacy binary format. Run from the repository root:
    /usr/bin/python3 nereid-fil/src/test/python/generate_models.py
"""
import os
import warnings

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "models", "xgboost17")
FEATURES = 12


def data(rng, rows, classes=None):
    x = rng.normal(size=(rows, FEATURES)).astype(np.float32)
    # Missing values in training give the splits learned default directions.
    x[rng.random(size=x.shape) < 0.15] = np.nan
    signal = np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) - np.nan_to_num(x[:, 2]) * np.nan_to_num(x[:, 3])
    signal += np.isnan(x[:, 4]) * 1.5
    if classes is None:
        return x, signal + rng.normal(scale=0.1, size=rows)
    edges = np.quantile(signal, np.linspace(0, 1, classes + 1)[1:-1])
    return x, np.digitize(signal, edges)


def save(booster, name):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    booster.save_model(os.path.join(folder, "xgboost.json"))
    booster.save_model(os.path.join(folder, "xgboost.ubj"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy binary format is deprecated; Triton still reads it
        booster.save_model(os.path.join(folder, "xgboost.model"))


def main():
    rng = np.random.default_rng(14)
    x, y = data(rng, 4000, classes=2)
    save(xgb.train({"objective": "binary:logistic", "max_depth": 5, "eta": 0.3, "base_score": 0.3},
                   xgb.DMatrix(x, label=y), 40), "binary")
    x, y = data(rng, 4000, classes=3)
    save(xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 4},
                   xgb.DMatrix(x, label=y), 20), "multiclass")
    x, y = data(rng, 4000)
    save(xgb.train({"objective": "reg:squarederror", "max_depth": 6, "base_score": 1.25},
                   xgb.DMatrix(x, label=y), 30), "regression")
    x, y = data(rng, 4000, classes=2)
    save(xgb.train({"objective": "binary:logistic", "booster": "dart", "max_depth": 4, "rate_drop": 0.2,
                    "seed": 3}, xgb.DMatrix(x, label=y), 15), "dart")
    # Categorical features 5 and 6 (codes 0..9): splits on sets of categories (JSON/UBJSON only).
    x, y = data(rng, 4000, classes=2)
    codes = rng.integers(0, 10, size=(4000, 2))
    x[:, 5:7] = codes
    y = (y + (codes[:, 0] % 3 == 0) + (codes[:, 1] > 6)) % 2
    types = ["q"] * FEATURES
    types[5] = types[6] = "c"
    cat = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 4,
                     "max_cat_to_onehot": 1},
                    xgb.DMatrix(x, label=y, feature_types=types, enable_categorical=True), 20)
    folder = os.path.join(OUT, "categorical")
    os.makedirs(folder, exist_ok=True)
    cat.save_model(os.path.join(folder, "xgboost.json"))
    cat.save_model(os.path.join(folder, "xgboost.ubj"))


if __name__ == "__main__":
    main()


def sklearn_models():
    """scikit-learn forests, converted by convert_sklearn.py, with scikit-learn's own predictions on the
    rows SklearnAgreementTest builds (x[i] = (i * 2654435761 mod 2^32) / 2^32 * 6 - 3, row-major)."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "main", "python"))
    from convert_sklearn import convert
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestClassifier

    features, rows = 8, 10_000
    rng = np.random.default_rng(5)
    x = rng.normal(scale=1.5, size=(3000, features)).astype(np.float32)
    signal = x[:, 0] - x[:, 1] * x[:, 2] + 0.5 * x[:, 3]
    y = np.digitize(signal, [-1.0, 1.0])
    i = np.arange(rows * features, dtype=np.uint64)
    test = (((i * np.uint64(2654435761)) % np.uint64(2**32)).astype(np.float64) / 2**32 * 6 - 3)
    test = test.astype(np.float32).reshape(rows, features)
    out = os.path.join(OUT, "..", "sklearn")
    for name, model, predict in (
            ("random_forest_classifier", RandomForestClassifier(n_estimators=12, max_depth=6, random_state=0),
             lambda m: m.predict_proba(test)),
            ("extra_trees_regressor", ExtraTreesRegressor(n_estimators=10, max_depth=7, random_state=0),
             lambda m: m.predict(test).reshape(rows, 1))):
        model.fit(x, y if name.endswith("classifier") else signal)
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        convert(model, os.path.join(folder, "xgboost.json"))
        predict(model).astype("<f4").tofile(os.path.join(folder, "expected.f32"))


if __name__ == "__main__":
    sklearn_models()
