package dev.nereid.bench.fil;

import com.microsoft.ml.lightgbm.SWIGTYPE_p_double;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_float;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_int;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_long_long;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_p_void;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import com.microsoft.ml.lightgbm.lightgbmlib;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * LightGBM's Java binding (lightgbmlib, SWIG over the C API) as a user calls it: training the benchmark
 * model, and the fastest prediction calls it offers (the single-row "fast" path on a Java double[], and
 * the matrix call on rows already in native memory).
 */
final class LightGbm {
  static final int FLOAT32 = 0;
  static final int FLOAT64 = 1;
  private static boolean loaded;

  private LightGbm() {}

  static synchronized void load() throws IOException {
    if (loaded) return;
    Path dir = Files.createTempDirectory("lightgbmlib");
    for (String lib : new String[] {"lib_lightgbm.so", "lib_lightgbm_swig.so"}) {
      Path target = dir.resolve(lib);
      try (InputStream in = lightgbmlib.class.getResourceAsStream("/com/microsoft/ml/lightgbm/linux/x86_64/" + lib)) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
      System.load(target.toString());
      target.toFile().deleteOnExit();
    }
    dir.toFile().deleteOnExit();
    loaded = true;
  }

  static void train(float[] x, int rows, int cols, float[] labels, String params, int iterations, Path file)
      throws IOException {
    load();
    SWIGTYPE_p_float data = floats(x);
    SWIGTYPE_p_float label = floats(labels);
    SWIGTYPE_p_p_void datasetOut = lightgbmlib.new_voidpp();
    SWIGTYPE_p_p_void boosterOut = lightgbmlib.new_voidpp();
    SWIGTYPE_p_int finished = lightgbmlib.new_intp();
    check(lightgbmlib.LGBM_DatasetCreateFromMat(lightgbmlib.float_to_voidp_ptr(data), FLOAT32, rows, cols, 1,
        "max_bin=255 verbose=-1", null, datasetOut));
    SWIGTYPE_p_void dataset = lightgbmlib.voidpp_value(datasetOut);
    check(lightgbmlib.LGBM_DatasetSetField(dataset, "label", lightgbmlib.float_to_voidp_ptr(label), rows, FLOAT32));
    check(lightgbmlib.LGBM_BoosterCreate(dataset, params + " verbose=-1 seed=1", boosterOut));
    SWIGTYPE_p_void booster = lightgbmlib.voidpp_value(boosterOut);
    for (int i = 0; i < iterations; i++) check(lightgbmlib.LGBM_BoosterUpdateOneIter(booster, finished));
    check(lightgbmlib.LGBM_BoosterSaveModel(booster, 0, -1, 0, file.toString()));
    lightgbmlib.LGBM_BoosterFree(booster);
    lightgbmlib.LGBM_DatasetFree(dataset);
    lightgbmlib.delete_floatArray(data);
    lightgbmlib.delete_floatArray(label);
  }

  /** One caller's booster and native buffers (LightGBM's fast single-row config is per caller). */
  static final class Predictor implements AutoCloseable {
    private final SWIGTYPE_p_void booster;
    private final SWIGTYPE_p_void fastConfig;
    private final SWIGTYPE_p_double out;
    private final SWIGTYPE_p_long_long outLength;
    private final int cols;

    Predictor(Path file, int cols, int maxRows) throws IOException {
      load();
      this.cols = cols;
      this.outLength = lightgbmlib.new_int64_tp();
      SWIGTYPE_p_p_void handle = lightgbmlib.new_voidpp();
      SWIGTYPE_p_int iterations = lightgbmlib.new_intp();
      check(lightgbmlib.LGBM_BoosterCreateFromModelfile(file.toString(), iterations, handle));
      booster = lightgbmlib.voidpp_value(handle);
      SWIGTYPE_p_p_void config = lightgbmlib.new_voidpp();
      check(lightgbmlib.LGBM_BoosterPredictForMatSingleRowFastInit(booster, 0, 0, -1, FLOAT64, cols, "num_threads=1",
          config));
      fastConfig = lightgbmlib.voidpp_value(config);
      out = lightgbmlib.new_doubleArray(maxRows);
    }

    /** One row from a Java double[]: the binding's fastest single-row call. */
    double predictRow(double[] row) {
      check(lightgbmlib.LGBM_BoosterPredictForMatSingleRowFastCriticalSWIG(row, fastConfig, outLength, out));
      return lightgbmlib.doubleArray_getitem(out, 0);
    }

    /** Rows already in native memory (float32, row-major). */
    double predictRows(SWIGTYPE_p_float rows, int n) {
      check(lightgbmlib.LGBM_BoosterPredictForMat(booster, lightgbmlib.float_to_voidp_ptr(rows), FLOAT32, n, cols, 1, 0,
          0, -1, "num_threads=1", outLength, out));
      return lightgbmlib.doubleArray_getitem(out, n - 1);
    }

    @Override
    public void close() {
      lightgbmlib.LGBM_FastConfigFree(fastConfig);
      lightgbmlib.LGBM_BoosterFree(booster);
      lightgbmlib.delete_doubleArray(out);
    }
  }

  static SWIGTYPE_p_float floats(float[] values) {
    SWIGTYPE_p_float p = lightgbmlib.new_floatArray(values.length);
    for (int i = 0; i < values.length; i++) lightgbmlib.floatArray_setitem(p, i, values[i]);
    return p;
  }

  static void check(int rc) {
    if (rc != 0) throw new IllegalStateException("LightGBM: " + lightgbmlib.LGBM_GetLastError());
  }
}
