package dev.nereid.fil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import dev.nereid.NereidException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a model file of any supported {@link ModelType}. XGBoost files are recognised by their content, not
 * their name or {@code model_type}: XGBoost 2.1 and later write UBJSON to any file name not ending in
 * {@code .json}, so an {@code xgboost.model} may be legacy binary, UBJSON or JSON.
 */
final class ModelFiles {
  private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE)
          .maxDocumentLength(Long.MAX_VALUE).maxNumberLength(1000).build())
      // XGBoost writes NaN and Infinity for the statistics of some nodes.
      .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build());

  private ModelFiles() {}

  /**
   * Reads a model file of {@code type}, its trees compiled into {@code layout}; {@code model} names the
   * model in messages.
   */
  static TreeModel read(ModelType type, Path file, String model, Forest.Layout layout) throws IOException {
    String what = "model '" + model + "': " + file.getFileName();
    if (type == ModelType.TREELITE_CHECKPOINT) {
      throw new NereidException.Unsupported(what + ": Treelite checkpoints are not supported by Nereid's fil backend "
          + "(the format is Treelite's in-memory layout and changes between Treelite versions); save the model from "
          + "XGBoost as xgboost.json or xgboost.ubj or from LightGBM as model.txt, and convert a scikit-learn forest "
          + "with nereid-fil's convert_sklearn.py (see the README)");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new NereidException.NotFound(what + " does not exist: model_type " + type.configName() + " reads "
          + type.defaultFile() + " from the version folder, or the file default_model_filename names");
    }
    try {
      return switch (type) {
        case LIGHTGBM -> LightGbmText.read(new String(bytes, StandardCharsets.UTF_8), what, layout);
        case XGBOOST, XGBOOST_JSON, XGBOOST_UBJ -> xgboost(bytes, what, layout);
        case TREELITE_CHECKPOINT -> throw new AssertionError();
      };
    } catch (ModelFileException e) {
      throw new NereidException.InvalidArgument(e.getMessage(), e);
    }
  }

  private static TreeModel xgboost(byte[] bytes, String what, Forest.Layout layout) throws IOException {
    int first = 0;
    while (first < bytes.length && Character.isWhitespace(bytes[first])) first++;
    if (first < bytes.length && bytes[first] == '{') {
      boolean json = first + 1 < bytes.length && (bytes[first + 1] == '"' || Character.isWhitespace(bytes[first + 1])
          || bytes[first + 1] == '}');
      JsonNode root;
      try {
        root = json ? JSON.readTree(bytes) : Ubjson.parse(bytes, what);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new ModelFileException(what + " is not valid JSON: " + e.getOriginalMessage() + " (line "
            + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
      }
      return XgboostJson.read(root, what, layout);
    }
    return XgboostBinary.read(bytes, what, layout);
  }
}
