package dev.nereid.tensorflow;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelParameter;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.proto.ConfigProto;

/**
 * The {@code parameters} of a TensorFlow model that Triton's TensorFlow backend documents, checked at
 * load; a value that does not parse leaves the model UNAVAILABLE naming the parameter.
 *
 * @param graphTag {@code TF_GRAPH_TAG}: the SavedModel tag set to load (default {@code serve})
 * @param signatureDef {@code TF_SIGNATURE_DEF}: the signature served (default {@code serving_default})
 * @param intraOpThreads {@code TF_NUM_INTRA_THREADS}, 0 for TensorFlow's choice
 * @param interOpThreads {@code TF_NUM_INTER_THREADS}, 0 for TensorFlow's choice
 * @param perSessionThreads {@code TF_USE_PER_SESSION_THREADS}: each session gets its own thread pools
 * @param maxSessionShareCount {@code MAX_SESSION_SHARE_COUNT}: how many instances share one session (1)
 */
record TfSettings(String graphTag, String signatureDef, int intraOpThreads, int interOpThreads,
    boolean perSessionThreads, int maxSessionShareCount) {

  static final String DEFAULT_TAG = "serve";
  static final String DEFAULT_SIGNATURE = "serving_default";

  /** Reads a config's parameters. */
  static TfSettings of(String model, ModelConfig config) {
    Map<String, ModelParameter> p = config.getParametersMap();
    return new TfSettings(
        text(p, "TF_GRAPH_TAG", DEFAULT_TAG),
        text(p, "TF_SIGNATURE_DEF", DEFAULT_SIGNATURE),
        count(model, p, "TF_NUM_INTRA_THREADS", 0),
        count(model, p, "TF_NUM_INTER_THREADS", 0),
        bool(model, p, "TF_USE_PER_SESSION_THREADS"),
        Math.max(1, count(model, p, "MAX_SESSION_SHARE_COUNT", 1)));
  }

  /** The session options these settings ask for. */
  ConfigProto sessionConfig() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads)
        .setUsePerSessionThreads(perSessionThreads)
        .build();
  }

  private static String text(Map<String, ModelParameter> p, String key, String absent) {
    ModelParameter value = p.get(key);
    return value == null || value.getStringValue().isBlank() ? absent : value.getStringValue().strip();
  }

  private static boolean bool(String model, Map<String, ModelParameter> p, String key) {
    ModelParameter value = p.get(key);
    if (value == null) return false;
    return switch (value.getStringValue().strip().toLowerCase(Locale.ROOT)) {
      case "true", "on", "1", "yes" -> true;
      case "false", "off", "0", "no" -> false;
      default -> throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key
          + " must be true or false, got '" + value.getStringValue() + "'");
    };
  }

  private static int count(String model, Map<String, ModelParameter> p, String key, int absent) {
    ModelParameter value = p.get(key);
    if (value == null) return absent;
    try {
      int n = Integer.parseInt(value.getStringValue().strip());
      if (n >= 0) return n;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key
        + " must be an integer >= 0, got '" + value.getStringValue() + "'");
  }
}
