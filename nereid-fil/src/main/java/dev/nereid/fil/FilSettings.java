package dev.nereid.fil;

import dev.nereid.NereidException;
import dev.nereid.spi.ModelContext;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The FIL backend's config parameters, read and checked once at load.
 *
 * @param modelType {@code model_type}: the file format (default {@code xgboost}, as in Triton)
 * @param outputClass {@code output_class}: answer class ids (true) or the model's prediction (false);
 *     unset means true for a classification objective
 * @param predictProba {@code predict_proba}: answer one probability per class
 * @param threshold {@code threshold}: a binary classifier answers class 1 when its probability is above it
 * @param threads {@code threads}: how many threads one batch is split across (default 1: the instance's own
 *     thread; use instance_group count for concurrent batches)
 * @param layout from {@code storage_type}: SPARSE and SPARSE8 keep the trees' nodes linked, AUTO (the
 *     default) and DENSE store complete trees where the forest is shallow enough
 */
record FilSettings(ModelType modelType, Optional<Boolean> outputClass, boolean predictProba, float threshold,
    int threads, Forest.Layout layout) {
  private static final Set<String> STORAGE_TYPES = Set.of("AUTO", "DENSE", "SPARSE", "SPARSE8");
  private static final Set<String> ALGOS = Set.of("ALGO_AUTO", "NAIVE", "TREE_REORG", "BATCH_TREE_REORG");

  static FilSettings of(ModelContext context) {
    String model = context.name();
    String typeName = context.parameter("model_type").map(String::trim).orElse("xgboost");
    ModelType type = ModelType.named(typeName);
    if (type == null) {
      throw new NereidException.InvalidArgument("model '" + model + "': parameter model_type '" + typeName
          + "' is not one of " + Arrays.stream(ModelType.values()).map(ModelType::configName).toList());
    }
    Optional<Boolean> outputClass = context.parameter("output_class").map(v -> bool(model, "output_class", v));
    boolean proba = context.parameter("predict_proba").map(v -> bool(model, "predict_proba", v)).orElse(false);
    float threshold = context.parameter("threshold").map(v -> number(model, "threshold", v)).orElse(0.5f);
    int threads = context.parameter("threads").map(v -> count(model, "threads", v)).orElse(1);
    context.parameter("use_experimental_optimizations").ifPresent(v -> bool(model, "use_experimental_optimizations", v));
    context.parameter("xgboost_allow_unknown_field").ifPresent(v -> bool(model, "xgboost_allow_unknown_field", v));
    Forest.Layout layout = context.parameter("storage_type")
        .map(v -> oneOf(model, "storage_type", v, STORAGE_TYPES).startsWith("SPARSE") ? Forest.Layout.LINKED
            : Forest.Layout.AUTO)
        .orElse(Forest.Layout.AUTO);
    context.parameter("algo").ifPresent(v -> oneOf(model, "algo", v, ALGOS));
    return new FilSettings(type, outputClass, proba, threshold, threads, layout);
  }

  private static boolean bool(String model, String key, String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key + " is '" + value
          + "', expected true or false");
    };
  }

  private static float number(String model, String key, String value) {
    try {
      return Float.parseFloat(value.trim());
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key + " is '" + value
          + "', expected a number");
    }
  }

  private static int count(String model, String key, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n < 0) throw new NumberFormatException();
      return n == 0 ? Runtime.getRuntime().availableProcessors() : n;
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key + " is '" + value
          + "', expected a count (0 for all cores)");
    }
  }

  /** The value, upper-cased, when it is one of {@code allowed}. */
  private static String oneOf(String model, String key, String value, Set<String> allowed) {
    String upper = value.trim().toUpperCase(Locale.ROOT);
    if (!allowed.contains(upper)) {
      throw new NereidException.InvalidArgument("model '" + model + "': parameter " + key + " is '" + value
          + "', expected one of " + allowed.stream().sorted().toList());
    }
    return upper;
  }
}
