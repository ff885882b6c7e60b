package dev.nereid.tensorflow;

import dev.nereid.NereidException;
import dev.nereid.spi.ModelContext;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two ways Triton's TensorFlow backend takes a model: a SavedModel folder (signatures, variables)
 * or a frozen GraphDef file (one graph whose inputs are its placeholders, named by node).
 */
enum TfFormat {
  SAVED_MODEL("tensorflow_savedmodel", "model.savedmodel"),
  GRAPH_DEF("tensorflow_graphdef", "model.graphdef");

  private final String platform;
  private final String defaultFile;

  TfFormat(String platform, String defaultFile) {
    this.platform = platform;
    this.defaultFile = defaultFile;
  }

  /** The config {@code platform} of this format. */
  String platform() {
    return platform;
  }

  /** The model file's name in the version folder unless {@code default_model_filename} names another. */
  String defaultFile() {
    return defaultFile;
  }

  /**
   * The format of a model: its config's platform; with {@code backend: "tensorflow"} alone, a
   * {@code default_model_filename} that is a folder is a SavedModel and a file a GraphDef; else
   * whichever default file the version folder holds.
   */
  static TfFormat of(ModelContext context) {
    String platform = context.config().getPlatform();
    for (TfFormat f : values()) {
      if (f.platform.equals(platform)) return f;
    }
    if (!platform.isEmpty()) {
      throw new NereidException.InvalidArgument("model '" + context.name() + "': platform '" + platform
          + "' is not one the TensorFlow backend serves (tensorflow_savedmodel, tensorflow_graphdef)");
    }
    if (!context.config().getDefaultModelFilename().isEmpty()) {
      return Files.isDirectory(context.modelFile(SAVED_MODEL.defaultFile)) ? SAVED_MODEL : GRAPH_DEF;
    }
    return Files.exists(context.versionDirectory().resolve(GRAPH_DEF.defaultFile))
        && !Files.exists(context.versionDirectory().resolve(SAVED_MODEL.defaultFile)) ? GRAPH_DEF : SAVED_MODEL;
  }

  /** The model's file or folder, which must exist. */
  Path file(ModelContext context) {
    Path path = context.modelFile(defaultFile);
    boolean present = this == SAVED_MODEL ? Files.isDirectory(path) : Files.isRegularFile(path);
    if (!present) {
      throw new NereidException.Unavailable("model '" + context.name() + "': no "
          + (this == SAVED_MODEL ? "SavedModel folder " : "GraphDef file ") + path);
    }
    return path;
  }
}
