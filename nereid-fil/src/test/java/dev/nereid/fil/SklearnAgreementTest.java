package dev.nereid.fil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scikit-learn forests converted by {@code src/main/python/convert_sklearn.py} answer what scikit-learn
 * answered: {@code predict_proba} of a RandomForestClassifier (3 classes) and {@code predict} of an
 * ExtraTreesRegressor, on 10,000 rows. The expected values were written by scikit-learn 1.2 in
 * {@code src/test/python/generate_models.py}, on rows both sides build from the same formula.
 *
 * <p>Tolerance 1e-6: scikit-learn averages the trees' float64 values; the converted model holds each
 * tree's share as a float32 leaf, and Nereid adds them in double.
 */
class SklearnAgreementTest {
  static final int ROWS = 10_000;
  static final int FEATURES = 8;

  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() {
    FilRepository repo = new FilRepository(dir);
    repo.add("rf_proba", FilRepository.resource("sklearn/random_forest_classifier/xgboost.json"), "xgboost.json",
            FilRepository.config("xgboost_json", FEATURES, 3, "output_class", "false"))
        .add("rf_class", FilRepository.resource("sklearn/random_forest_classifier/xgboost.json"), "xgboost.json",
            FilRepository.config("xgboost_json", FEATURES, 1, "output_class", "true"))
        .add("et_regressor", FilRepository.resource("sklearn/extra_trees_regressor/xgboost.json"), "xgboost.json",
            FilRepository.config("xgboost_json", FEATURES, 1, "output_class", "false"));
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** x[i] = (i * 2654435761 mod 2^32) / 2^32 * 6 - 3, as generate_models.py computes it. */
  static float[] rows() {
    float[] x = new float[ROWS * FEATURES];
    for (int i = 0; i < x.length; i++) {
      long h = (i * 2654435761L) & 0xFFFFFFFFL;
      x[i] = (float) (h / 4294967296.0 * 6 - 3);
    }
    return x;
  }

  static float[] expected(String model) throws Exception {
    byte[] bytes = Files.readAllBytes(FilRepository.resource("sklearn/" + model + "/expected.f32"));
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  @Test
  void randomForestProbabilitiesAndClassesMatchScikitLearn() throws Exception {
    assertThat(server.model("rf_proba").state()).as(server.model("rf_proba").reason()).isEqualTo(ModelState.READY);
    float[] want = expected("random_forest_classifier");
    float[] proba = Inference.predict(server.model("rf_proba"), rows(), FEATURES, 3, 20, 1024);
    float[] cls = Inference.predict(server.model("rf_class"), rows(), FEATURES, 1, 20, 1024);
    for (int r = 0; r < ROWS; r++) {
      int best = 0;
      for (int k = 0; k < 3; k++) {
        assertThat(proba[r * 3 + k]).as("row %d class %d", r, k).isCloseTo(want[r * 3 + k], offset(1e-6f));
        if (want[r * 3 + k] > want[r * 3 + best]) best = k;
      }
      float second = Math.max(Math.min(want[r * 3], want[r * 3 + 1]),
          Math.min(Math.max(want[r * 3], want[r * 3 + 1]), want[r * 3 + 2]));
      if (want[r * 3 + best] - second > 1e-5f) {
        assertThat(cls[r]).as("row %d", r).isEqualTo(best);
      }
    }
  }

  @Test
  void extraTreesRegressionMatchesScikitLearn() throws Exception {
    float[] want = expected("extra_trees_regressor");
    float[] got = Inference.predict(server.model("et_regressor"), rows(), FEATURES, 1, 20, 1024);
    for (int r = 0; r < ROWS; r++) {
      assertThat(got[r]).as("row %d", r).isCloseTo(want[r], offset(Math.max(1e-6f, Math.abs(want[r]) * 1e-6f)));
    }
  }
}
