package dev.nereid.fil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every prediction Nereid's fil backend makes for a LightGBM text model equals LightGBM's own (lightgbmlib
 * 3.3.510 from Maven Central, native) on 10,000 random rows with 10% NaN and 3% exact zeros, through the
 * full infer path. The models are trained here by the same LightGBM: binary with NaN-as-missing features
 * and features that saw no missing value in training (missing type None: NaN counts as 0), binary with
 * {@code zero_as_missing}, multiclass (probabilities and class ids), regression, categorical features, and a
 * random forest ({@code boosting=rf}, averaged output).
 *
 * <p>The models up to 10 deep run as complete trees (the default {@code storage_type}), a few also with
 * {@code storage_type: SPARSE} (linked nodes), and {@code deep}, grown leaf-wise past 10 levels, runs as
 * linked nodes by default.
 *
 * <p>Tolerance: 1e-6 relative (at least 1e-6 absolute). LightGBM and Nereid both add the leaves in double
 * and reach the same leaves (thresholds are compared exactly as LightGBM compares them); the difference is
 * the rounding of the float32 answer and of the summation order.
 */
class LightGbmAgreementTest {
  static final int ROWS = 10_000;
  static final int FEATURES = 12;
  static final int[] CATEGORICAL = {5, 6};

  @TempDir static Path dir;
  static Server server;
  static final Map<String, Case> cases = new HashMap<>();

  /** A served model, its file (the reference LightGBM loads) and the layout its trees must be in. */
  record Case(Path file, XgboostAgreementTest.Output output, int classes, Class<? extends TreeLayout> layout) {}

  /** Models also served with {@code storage_type: SPARSE}, as {@code <name>_sparse}. */
  static final List<String> SPARSE = List.of("binary", "zero_as_missing", "multiclass", "random_forest");

  @BeforeAll
  static void start() throws Exception {
    FilRepository repo = new FilRepository(dir.resolve("repo"));
    Path models = Files.createDirectories(dir.resolve("models"));
    int rows = 4000;
    float[] x = Rows.random(21, rows, FEATURES, 0.1, CATEGORICAL);
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < FEATURES; f++) {
        float v = x[r * FEATURES + f];
        // Features 7..11 see no NaN in training, so LightGBM gives their splits missing type None.
        if (f >= 7 && Float.isNaN(v)) x[r * FEATURES + f] = 0.25f;
        if ((f == 5 || f == 6) && !Float.isNaN(v)) x[r * FEATURES + f] = Math.abs((int) v) % 10;
      }
    }
    float[] signal = new float[rows];
    for (int r = 0; r < rows; r++) {
      float a = x[r * FEATURES];
      float b = x[r * FEATURES + 8];
      float code = x[r * FEATURES + 5];
      signal[r] = (Float.isNaN(a) ? 1f : a) + 0.8f * b - (Float.isNaN(code) ? 0 : (code % 4 == 0 ? 1.2f : 0f))
          + 0.3f * (Float.isNaN(x[r * FEATURES + 3]) ? 0 : x[r * FEATURES + 3]);
    }
    float[] binary = new float[rows];
    float[] multi = new float[rows];
    for (int r = 0; r < rows; r++) {
      binary[r] = signal[r] > 0.2f ? 1 : 0;
      multi[r] = signal[r] < -0.8f ? 0 : signal[r] < 0.9f ? 1 : 2;
    }
    String data = "max_bin=63 categorical_feature=5,6";
    // max_depth keeps these models to complete trees; "deep" below is the model past that.
    String tree = " num_leaves=24 max_depth=8 min_data_in_leaf=10 min_data_per_group=10 cat_smooth=1";
    train(repo, models, "binary", x, rows, binary, data, "objective=binary" + tree, 40,
        XgboostAgreementTest.Output.PROBA, 2);
    train(repo, models, "binary_class", x, rows, binary, data, "objective=binary" + tree, 40,
        XgboostAgreementTest.Output.CLASS, 2);
    train(repo, models, "zero_as_missing", x, rows, binary, data + " zero_as_missing=true",
        "objective=binary" + tree, 30, XgboostAgreementTest.Output.PROBA, 2);
    train(repo, models, "multiclass", x, rows, multi, data, "objective=multiclass num_class=3" + tree, 20,
        XgboostAgreementTest.Output.PROBA, 3);
    train(repo, models, "multiclass_class", x, rows, multi, data, "objective=multiclass num_class=3" + tree, 20,
        XgboostAgreementTest.Output.CLASS, 3);
    train(repo, models, "regression", x, rows, signal, data, "objective=regression" + tree, 50,
        XgboostAgreementTest.Output.VALUE, 1);
    train(repo, models, "random_forest", x, rows, signal, data,
        "objective=regression boosting=rf bagging_freq=1 bagging_fraction=0.7 feature_fraction=0.8" + tree, 30,
        XgboostAgreementTest.Output.VALUE, 1);
    train(repo, models, "deep", x, rows, signal, data, "objective=regression num_leaves=400 min_data_in_leaf=2"
        + " min_data_per_group=2", 20, XgboostAgreementTest.Output.VALUE, 1);
    for (String name : SPARSE) add(repo, name + "_sparse", cases.get(name), "storage_type", "SPARSE");
    // The models hold the split kinds the test is about: categorical splits, and all three missing types.
    String binaryText = Files.readString(models.resolve("binary.txt"));
    assertThat(binaryText).containsPattern("num_cat=[1-9]");
    assertThat(binaryText).containsPattern("decision_type=.*\\b(8|10)\\b"); // NaN as missing
    assertThat(binaryText).containsPattern("decision_type=.*\\b(0|2)\\b"); // None: NaN counts as 0
    assertThat(Files.readString(models.resolve("zero_as_missing.txt"))).containsPattern("decision_type=.*\\b(4|6)\\b");
    assertThat(Files.readString(models.resolve("random_forest.txt"))).contains("average_output");
    server = new Server(ServerOptions.of(repo.root())).start();
  }

  private static void train(FilRepository repo, Path models, String name, float[] x, int rows, float[] labels,
      String data, String params, int iterations, XgboostAgreementTest.Output output, int classes) {
    Path file = models.resolve(name + ".txt");
    LightGbmJni.train(x, rows, FEATURES, labels, data, params, iterations, file);
    Class<? extends TreeLayout> layout = name.equals("deep") ? LinkedTrees.class : CompleteTrees.class;
    add(repo, name, new Case(file, output, classes, layout));
  }

  /** Serves case {@code c} as model {@code name}, with these extra parameters (key, value...). */
  private static void add(FilRepository repo, String name, Case c, String... extra) {
    int width = c.output() == XgboostAgreementTest.Output.PROBA ? c.classes() : 1;
    List<String> settings = new java.util.ArrayList<>(switch (c.output()) {
      case PROBA -> List.of("predict_proba", "true", "output_class", "true");
      case CLASS -> List.of("output_class", "true");
      case VALUE -> List.of("output_class", "false");
    });
    settings.addAll(List.of(extra));
    repo.add(name, c.file(), "model.txt",
        FilRepository.config("lightgbm", FEATURES, width, settings.toArray(new String[0])));
    boolean sparse = settings.contains("SPARSE");
    cases.put(name, new Case(c.file(), c.output(), c.classes(), sparse ? LinkedTrees.class : c.layout()));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  static List<String> models() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.of("binary", "binary_class", "zero_as_missing",
        "multiclass", "multiclass_class", "regression", "random_forest", "deep"),
        SPARSE.stream().map(name -> name + "_sparse")).toList();
  }

  @ParameterizedTest
  @MethodSource("models")
  void agreesWithLightGbm(String name) throws Exception {
    Case c = cases.get(name);
    assertThat(server.model(name).state()).as(server.model(name).reason()).isEqualTo(ModelState.READY);
    Forest.Layout layout = name.endsWith("_sparse") ? Forest.Layout.LINKED : Forest.Layout.AUTO;
    assertThat(ModelFiles.read(ModelType.LIGHTGBM, c.file(), name, layout).forest().layout()).isInstanceOf(c.layout());
    // The same rows in both layouts.
    float[] x = Rows.random(name.replace("_sparse", "").hashCode(), ROWS, FEATURES, 0.1, CATEGORICAL);
    double[] expected;
    int outputs;
    try (LightGbmJni.Model reference = new LightGbmJni.Model(c.file())) {
      expected = reference.predict(x, ROWS, FEATURES);
      outputs = reference.outputs();
    }
    int width = c.output() == XgboostAgreementTest.Output.PROBA ? c.classes() : 1;
    float[] got = Inference.predict(server.model(name), x, FEATURES, width, 50, 1024);
    double worst = 0;
    for (int r = 0; r < ROWS; r++) {
      double[] e = java.util.Arrays.copyOfRange(expected, r * outputs, (r + 1) * outputs);
      switch (c.output()) {
        case PROBA -> {
          double[] want = e.length == 1 ? new double[] {1 - e[0], e[0]} : e;
          for (int k = 0; k < width; k++) {
            worst = Math.max(worst, Math.abs(got[r * width + k] - want[k]));
            assertThat((double) got[r * width + k]).as("%s row %d class %d", name, r, k).isCloseTo(want[k], offset(1e-6));
          }
        }
        case VALUE -> {
          worst = Math.max(worst, Math.abs(got[r] - e[0]));
          assertThat((double) got[r]).as("%s row %d", name, r)
              .isCloseTo(e[0], offset(Math.max(1e-6, Math.abs(e[0]) * 1e-6)));
        }
        case CLASS -> {
          int want = 0;
          if (e.length == 1) {
            want = e[0] > 0.5 ? 1 : 0;
          } else {
            for (int k = 1; k < e.length; k++) if (e[k] > e[want]) want = k;
          }
          assertThat(got[r]).as("%s row %d (reference %s)", name, r, java.util.Arrays.toString(e)).isEqualTo(want);
        }
      }
    }
    org.slf4j.LoggerFactory.getLogger(LightGbmAgreementTest.class).info("{}: worst difference {}", name, worst);
  }
}
