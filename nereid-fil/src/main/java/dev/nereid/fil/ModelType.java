package dev.nereid.fil;

/** The model file formats of Triton's FIL backend, by their {@code model_type} value. */
enum ModelType {
  /** XGBoost's legacy binary format (the FIL backend's default). */
  XGBOOST("xgboost", "xgboost.model"),
  /** XGBoost JSON. */
  XGBOOST_JSON("xgboost_json", "xgboost.json"),
  /** XGBoost Universal Binary JSON. */
  XGBOOST_UBJ("xgboost_ubj", "xgboost.ubj"),
  /** LightGBM's text format. */
  LIGHTGBM("lightgbm", "model.txt"),
  /** Treelite's checkpoint format: recognised, not readable (see {@link FilBackend}). */
  TREELITE_CHECKPOINT("treelite_checkpoint", "checkpoint.tl");

  private final String configName;
  private final String defaultFile;

  ModelType(String configName, String defaultFile) {
    this.configName = configName;
    this.defaultFile = defaultFile;
  }

  /** The value of the {@code model_type} parameter. */
  String configName() {
    return configName;
  }

  /** The file Triton looks for in the version folder when {@code default_model_filename} is not set. */
  String defaultFile() {
    return defaultFile;
  }

  /** The type named by a {@code model_type} value, or null. */
  static ModelType named(String name) {
    for (ModelType t : values()) {
      if (t.configName.equals(name)) return t;
    }
    return null;
  }
}
