package dev.nereid.fil;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every prediction Nereid's fil backend makes for an XGBoost model equals XGBoost's own (xgboost4j 3.4.0,
 * native) on 10,000 random rows with 10% NaN, through the full infer path (single-row requests and batches
 * of up to 1,024 rows). Models: XGBoost 1.7 files committed by {@code src/test/python/generate_models.py}
 * (JSON, UBJSON, legacy binary; binary, multiclass, regression, DART, categorical; xgboost4j 3.x cannot read
 * the legacy binary files, so their reference is the JSON file saved with them) and XGBoost 3.4 files
 * trained here by xgboost4j (JSON and UBJSON).
 *
 * <p>Each model runs in the layout the default {@code storage_type} picks (complete trees: the models are
 * at most 7 deep), and a few also with {@code storage_type: SPARSE} (linked nodes).
 *
 * <p>Tolerance: 2e-6 absolute on probabilities, and 4e-6 relative (at least 4e-6 absolute) on regression
 * values (the worst seen: 2.4e-7 on probabilities, 2.9e-6 on values of a few units). Both sides walk the same float thresholds, so every row reaches the same leaves; XGBoost adds the
 * leaf values in float32 while Nereid adds them in double and rounds once, so sums differ by float32
 * rounding of up to ~40 additions (about 1e-7 relative each).
 */
class XgboostAgreementTest {
  static final int ROWS = 10_000;
  static final int FEATURES = 12;
  static final int[] CATEGORICAL = {5, 6};

  @TempDir static Path dir;
  static Server server;
  static final Map<String, Case> cases = new HashMap<>();

  /** A served model, its reference (the file xgboost4j loads) and the layout its trees must be in. */
  record Case(String name, Path file, String type, Output output, int classes, boolean categorical,
      Class<? extends TreeLayout> layout) {}

  /** Models also served with {@code storage_type: SPARSE}, as {@code <name>_sparse}. */
  static final List<String> SPARSE = List.of("v17_binary_proba_json", "v17_multi_proba_json", "v17_regression_json",
      "v17_dart_json", "v17_categorical_json", "v3_binary_json", "v3_regression_json", "v3_categorical_json");

  enum Output { PROBA, CLASS, VALUE }

  @BeforeAll
  static void start() throws Exception {
    FilRepository repo = new FilRepository(dir.resolve("repo"));
    for (String format : List.of("json", "ubj", "model")) {
      String type = switch (format) {
        case "json" -> "xgboost_json";
        case "ubj" -> "xgboost_ubj";
        default -> "xgboost";
      };
      String file = "xgboost." + format;
      add(repo, "v17_binary_proba_" + format, FilRepository.resource("xgboost17/binary/" + file), type, Output.PROBA, 2, false);
      add(repo, "v17_binary_class_" + format, FilRepository.resource("xgboost17/binary/" + file), type, Output.CLASS, 2, false);
      add(repo, "v17_multi_proba_" + format, FilRepository.resource("xgboost17/multiclass/" + file), type, Output.PROBA, 3, false);
      add(repo, "v17_multi_class_" + format, FilRepository.resource("xgboost17/multiclass/" + file), type, Output.CLASS, 3, false);
      add(repo, "v17_regression_" + format, FilRepository.resource("xgboost17/regression/" + file), type, Output.VALUE, 1, false);
      add(repo, "v17_dart_" + format, FilRepository.resource("xgboost17/dart/" + file), type, Output.PROBA, 2, false);
      if (!format.equals("model")) {
        add(repo, "v17_categorical_" + format, FilRepository.resource("xgboost17/categorical/" + file), type,
            Output.PROBA, 2, true);
      }
    }
    Path trained = java.nio.file.Files.createDirectories(dir.resolve("trained"));
    Map<String, Booster> boosters = train();
    for (var e : boosters.entrySet()) {
      for (String format : List.of("json", "ubj")) {
        Path file = trained.resolve(e.getKey() + "." + format);
        e.getValue().saveModel(file.toString());
        String type = format.equals("json") ? "xgboost_json" : "xgboost_ubj";
        switch (e.getKey()) {
          case "binary" -> add(repo, "v3_binary_" + format, file, type, Output.PROBA, 2, false);
          case "multi" -> {
            add(repo, "v3_multi_proba_" + format, file, type, Output.PROBA, 4, false);
            add(repo, "v3_multi_class_" + format, file, type, Output.CLASS, 4, false);
          }
          case "regression" -> add(repo, "v3_regression_" + format, file, type, Output.VALUE, 1, false);
          case "categorical" -> add(repo, "v3_categorical_" + format, file, type, Output.PROBA, 2, true);
          default -> throw new AssertionError(e.getKey());
        }
      }
    }
    for (String name : SPARSE) add(repo, cases.get(name), name + "_sparse", "storage_type", "SPARSE");
    server = new Server(ServerOptions.of(repo.root())).start();
  }

  private static void add(FilRepository repo, String name, Path file, String type, Output output, int classes,
      boolean categorical) {
    add(repo, new Case(name, file, type, output, classes, categorical, CompleteTrees.class), name);
  }

  /** Serves case {@code c} as model {@code name}, with these extra parameters (key, value...). */
  private static void add(FilRepository repo, Case c, String name, String... extra) {
    int width = switch (c.output()) {
      case PROBA -> c.classes();
      case CLASS, VALUE -> 1;
    };
    List<String> params = new java.util.ArrayList<>(switch (c.output()) {
      case PROBA -> List.of("predict_proba", "true", "output_class", "true");
      case CLASS -> List.of("output_class", "true");
      case VALUE -> List.of("output_class", "false");
    });
    params.addAll(List.of(extra));
    repo.add(name, c.file(), ModelType.named(c.type()).defaultFile(),
        FilRepository.config(c.type(), FEATURES, width, params.toArray(new String[0])));
    boolean sparse = params.contains("SPARSE");
    cases.put(name, new Case(name, c.file(), c.type(), c.output(), c.classes(), c.categorical(),
        sparse ? LinkedTrees.class : CompleteTrees.class));
  }

  /** XGBoost 3.4 models trained here: the JSON/UBJSON schema of 3.x (vector base_score and all). */
  private static Map<String, Booster> train() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    int rows = 3000;
    float[] x = Rows.random(11, rows, FEATURES, 0.1, CATEGORICAL);
    for (int r = 0; r < rows; r++) {
      for (int c : CATEGORICAL) {
        float v = x[r * FEATURES + c];
        if (!Float.isNaN(v)) x[r * FEATURES + c] = Math.abs((int) v) % 10; // training wants codes 0..9
      }
    }
    float[] signal = new float[rows];
    for (int r = 0; r < rows; r++) {
      float a = x[r * FEATURES];
      float b = x[r * FEATURES + 1];
      float c = x[r * FEATURES + 2];
      signal[r] = (Float.isNaN(a) ? 1f : a) - 0.7f * (Float.isNaN(b) ? 0f : b) * (Float.isNaN(c) ? -1f : c)
          + (float) random.nextGaussian() * 0.2f;
    }
    Map<String, Booster> out = new HashMap<>();
    out.put("binary", fit(x, rows, labels(signal, 2), Map.of("objective", "binary:logistic", "max_depth", 6), 60, false));
    out.put("multi", fit(x, rows, labels(signal, 4),
        Map.of("objective", "multi:softprob", "num_class", 4, "max_depth", 5), 25, false));
    out.put("regression", fit(x, rows, signal, Map.of("objective", "reg:squarederror", "max_depth", 7), 50, false));
    float[] catLabels = new float[rows];
    for (int r = 0; r < rows; r++) {
      float code = x[r * FEATURES + 5];
      catLabels[r] = (!Float.isNaN(code) && ((int) code % 3 == 0)) ^ signal[r] > 0 ? 1f : 0f;
    }
    out.put("categorical", fit(x, rows, catLabels, Map.of("objective", "binary:logistic", "max_depth", 4,
        "tree_method", "hist", "max_cat_to_onehot", 1), 30, true));
    return out;
  }

  private static float[] labels(float[] signal, int classes) {
    float[] sorted = signal.clone();
    java.util.Arrays.sort(sorted);
    float[] labels = new float[signal.length];
    for (int r = 0; r < signal.length; r++) {
      int k = 0;
      for (int c = 1; c < classes; c++) {
        if (signal[r] > sorted[sorted.length * c / classes]) k = c;
      }
      labels[r] = k;
    }
    return labels;
  }

  private static Booster fit(float[] x, int rows, float[] labels, Map<String, Object> params, int rounds,
      boolean categorical) throws Exception {
    DMatrix train = matrix(x, rows, categorical);
    train.setLabel(labels);
    Map<String, Object> all = new HashMap<>(params);
    all.put("eta", 0.3);
    all.put("seed", 1);
    all.put("nthread", 1);
    return XGBoost.train(train, all, rounds, Map.of(), null, null);
  }

  private static DMatrix matrix(float[] x, int rows, boolean categorical) throws Exception {
    DMatrix m = new DMatrix(x, rows, FEATURES, Float.NaN);
    if (categorical) {
      String[] types = new String[FEATURES];
      java.util.Arrays.fill(types, "q");
      for (int c : CATEGORICAL) types[c] = "c";
      m.setFeatureTypes(types);
    }
    return m;
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  static List<String> models() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(
        "v17_binary_proba_json", "v17_binary_proba_ubj", "v17_binary_proba_model",
        "v17_binary_class_json", "v17_binary_class_ubj", "v17_binary_class_model",
        "v17_multi_proba_json", "v17_multi_proba_ubj", "v17_multi_proba_model",
        "v17_multi_class_json", "v17_multi_class_ubj", "v17_multi_class_model",
        "v17_regression_json", "v17_regression_ubj", "v17_regression_model",
        "v17_dart_json", "v17_dart_ubj", "v17_dart_model",
        "v17_categorical_json", "v17_categorical_ubj",
        "v3_binary_json", "v3_binary_ubj", "v3_multi_proba_json", "v3_multi_proba_ubj", "v3_multi_class_json",
        "v3_multi_class_ubj", "v3_regression_json", "v3_regression_ubj", "v3_categorical_json", "v3_categorical_ubj"),
        SPARSE.stream().map(name -> name + "_sparse")).toList();
  }

  @ParameterizedTest
  @MethodSource("models")
  void agreesWithXgboost(String name) throws Exception {
    Case c = cases.get(name);
    assertThat(server.model(name).state()).as(server.model(name).reason()).isEqualTo(ModelState.READY);
    Forest.Layout layout = c.layout() == LinkedTrees.class ? Forest.Layout.LINKED : Forest.Layout.AUTO;
    assertThat(ModelFiles.read(ModelType.named(c.type()), c.file(), name, layout).forest().layout())
        .isInstanceOf(c.layout());
    int seed = name.replace("_sparse", "").hashCode(); // the same rows in both layouts
    float[] x = c.categorical() ? Rows.random(seed, ROWS, FEATURES, 0.1, CATEGORICAL)
        : Rows.random(seed, ROWS, FEATURES, 0.1);
    // xgboost4j 3.x no longer reads the legacy binary format: its reference is the same model's JSON twin,
    // written by the same XGBoost 1.7 session.
    String reference = c.file().toString().endsWith(".model")
        ? c.file().resolveSibling("xgboost.json").toString() : c.file().toString();
    Booster booster = XGBoost.loadModel(reference);
    float[][] expected = booster.predict(matrix(x, ROWS, c.categorical()));
    booster.dispose();
    int width = c.output() == Output.PROBA ? c.classes() : 1;
    float[] got = Inference.predict(server.model(name), x, FEATURES, width, 50, 1024);
    double worst = 0;
    int decided = 0;
    for (int r = 0; r < ROWS; r++) {
      float[] e = expected[r];
      switch (c.output()) {
        case PROBA -> {
          float[] want = e.length == 1 ? new float[] {1 - e[0], e[0]} : e;
          for (int k = 0; k < width; k++) {
            worst = Math.max(worst, Math.abs(got[r * width + k] - want[k]));
            assertThat(got[r * width + k]).as("%s row %d class %d", name, r, k).isCloseTo(want[k], within(2e-6f));
          }
        }
        case VALUE -> {
          float tolerance = Math.max(4e-6f, Math.abs(e[0]) * 4e-6f);
          worst = Math.max(worst, Math.abs(got[r] - e[0]));
          assertThat(got[r]).as("%s row %d", name, r).isCloseTo(e[0], within(tolerance));
        }
        case CLASS -> {
          // The class is exact unless the reference sits within float rounding of the decision.
          int want = e.length == 1 ? (e[0] > 0.5f ? 1 : 0) : argmax(e);
          if (ambiguous(e)) continue;
          decided++;
          assertThat(got[r]).as("%s row %d (reference %s)", name, r, java.util.Arrays.toString(e)).isEqualTo(want);
        }
      }
    }
    if (c.output() == Output.CLASS) assertThat(decided).isGreaterThan(ROWS * 99 / 100);
    org.slf4j.LoggerFactory.getLogger(XgboostAgreementTest.class).info("{}: worst difference {}", name, worst);
  }

  private static org.assertj.core.data.Offset<Float> within(float v) {
    return org.assertj.core.data.Offset.offset(v);
  }

  private static int argmax(float[] e) {
    int best = 0;
    for (int k = 1; k < e.length; k++) {
      if (e[k] > e[best]) best = k;
    }
    return best;
  }

  private static boolean ambiguous(float[] e) {
    if (e.length == 1) return Math.abs(e[0] - 0.5f) < 1e-6f;
    float[] s = e.clone();
    java.util.Arrays.sort(s);
    return s[s.length - 1] - s[s.length - 2] < 1e-6f;
  }
}
