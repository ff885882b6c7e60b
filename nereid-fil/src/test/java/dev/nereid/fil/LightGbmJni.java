package dev.nereid.fil;

import com.microsoft.ml.lightgbm.SWIGTYPE_p_double;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_float;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_int;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_long_long;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_p_void;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import com.microsoft.ml.lightgbm.lightgbmlib;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * LightGBM itself, through its Java binding from Maven Central (lightgbmlib 3.3.510, SWIG over the C API):
 * trains the test models and gives the reference predictions. The binding ships its native libraries in
 * the jar without loading them; {@link #load()} extracts and loads them once.
 */
public final class LightGbmJni {
  private static final int FLOAT32 = 0;
  private static final int PREDICT_NORMAL = 0;
  private static boolean loaded;

  private LightGbmJni() {}

  /** Loads lib_lightgbm and its SWIG wrapper from the jar. */
  public static synchronized void load() {
    if (loaded) return;
    try {
      Path dir = Files.createTempDirectory("lightgbmlib");
      for (String lib : new String[] {"lib_lightgbm.so", "lib_lightgbm_swig.so"}) {
        Path target = dir.resolve(lib);
        try (InputStream in = lightgbmlib.class.getResourceAsStream("/com/microsoft/ml/lightgbm/linux/x86_64/" + lib)) {
          if (in == null) throw new IllegalStateException("lightgbmlib has no " + lib + " for linux x86_64");
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        System.load(target.toString());
        target.toFile().deleteOnExit();
      }
      dir.toFile().deleteOnExit();
      loaded = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Trains a model on row-major {@code x} (NaN missing) and writes it to {@code file} in the text format.
   *
   * @param datasetParams LightGBM dataset parameters, e.g. {@code "max_bin=63 categorical_feature=5,6"}
   * @param params booster parameters, e.g. {@code "objective=binary num_leaves=31"}
   */
  public static void train(float[] x, int rows, int cols, float[] labels, String datasetParams, String params,
      int iterations, Path file) {
    load();
    SWIGTYPE_p_float data = floats(x);
    SWIGTYPE_p_float label = floats(labels);
    SWIGTYPE_p_p_void datasetOut = lightgbmlib.new_voidpp();
    SWIGTYPE_p_p_void boosterOut = lightgbmlib.new_voidpp();
    SWIGTYPE_p_int finished = lightgbmlib.new_intp();
    try {
      check(lightgbmlib.LGBM_DatasetCreateFromMat(lightgbmlib.float_to_voidp_ptr(data), FLOAT32, rows, cols, 1,
          datasetParams + " verbose=-1", null, datasetOut));
      SWIGTYPE_p_void dataset = lightgbmlib.voidpp_value(datasetOut);
      check(lightgbmlib.LGBM_DatasetSetField(dataset, "label", lightgbmlib.float_to_voidp_ptr(label), rows, FLOAT32));
      check(lightgbmlib.LGBM_BoosterCreate(dataset, params + " verbose=-1 num_threads=1 seed=1", boosterOut));
      SWIGTYPE_p_void booster = lightgbmlib.voidpp_value(boosterOut);
      for (int i = 0; i < iterations; i++) {
        check(lightgbmlib.LGBM_BoosterUpdateOneIter(booster, finished));
      }
      check(lightgbmlib.LGBM_BoosterSaveModel(booster, 0, -1, 0, file.toString()));
      check(lightgbmlib.LGBM_BoosterFree(booster));
      check(lightgbmlib.LGBM_DatasetFree(dataset));
    } finally {
      lightgbmlib.delete_floatArray(data);
      lightgbmlib.delete_floatArray(label);
      lightgbmlib.delete_intp(finished);
    }
  }

  /** A loaded LightGBM model, for predictions. */
  public static final class Model implements AutoCloseable {
    private final SWIGTYPE_p_void booster;
    private final int outputs;

    /** Loads a text model file. */
    public Model(Path file) {
      load();
      SWIGTYPE_p_p_void out = lightgbmlib.new_voidpp();
      SWIGTYPE_p_int iterations = lightgbmlib.new_intp();
      check(lightgbmlib.LGBM_BoosterCreateFromModelfile(file.toString(), iterations, out));
      booster = lightgbmlib.voidpp_value(out);
      SWIGTYPE_p_int classes = lightgbmlib.new_intp();
      check(lightgbmlib.LGBM_BoosterGetNumClasses(booster, classes));
      outputs = lightgbmlib.intp_value(classes);
      lightgbmlib.delete_intp(classes);
      lightgbmlib.delete_intp(iterations);
    }

    /** The number of values per row a prediction has. */
    public int outputs() {
      return outputs;
    }

    /** Predicts rows already in native memory (see {@link #floats}); {@code out} is native doubles. */
    public void predict(SWIGTYPE_p_float x, int rows, int cols, SWIGTYPE_p_double out, SWIGTYPE_p_long_long outLength,
        String params) {
      check(lightgbmlib.LGBM_BoosterPredictForMat(booster, lightgbmlib.float_to_voidp_ptr(x), FLOAT32, rows, cols, 1,
          PREDICT_NORMAL, 0, -1, params, outLength, out));
    }

    /** Predicts rows of {@code x}: {@code rows * outputs()} values (probabilities for classifiers). */
    public double[] predict(float[] x, int rows, int cols) {
      SWIGTYPE_p_float data = floats(x);
      SWIGTYPE_p_double out = lightgbmlib.new_doubleArray((long) rows * outputs);
      SWIGTYPE_p_long_long length = lightgbmlib.new_int64_tp();
      try {
        predict(data, rows, cols, out, length, "num_threads=1");
        double[] result = new double[rows * outputs];
        for (int i = 0; i < result.length; i++) result[i] = lightgbmlib.doubleArray_getitem(out, i);
        return result;
      } finally {
        lightgbmlib.delete_floatArray(data);
        lightgbmlib.delete_doubleArray(out);
        lightgbmlib.delete_int64_tp(length);
      }
    }

    /** The booster handle, for the C API's other calls. */
    public SWIGTYPE_p_void handle() {
      return booster;
    }

    @Override
    public void close() {
      lightgbmlib.LGBM_BoosterFree(booster);
    }
  }

  /** Copies floats into native memory; free with {@code lightgbmlib.delete_floatArray}. */
  public static SWIGTYPE_p_float floats(float[] values) {
    load();
    SWIGTYPE_p_float p = lightgbmlib.new_floatArray(values.length);
    for (int i = 0; i < values.length; i++) lightgbmlib.floatArray_setitem(p, i, values[i]);
    return p;
  }

  static void check(int rc) {
    if (rc != 0) throw new IllegalStateException("LightGBM: " + lightgbmlib.LGBM_GetLastError());
  }
}
