package dev.nereid.bench.fil;

import com.microsoft.ml.lightgbm.SWIGTYPE_p_float;
import com.microsoft.ml.lightgbm.lightgbmlib;
import dev.nereid.DataType;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/**
 * Rows per second of Nereid's fil backend, through the full {@code Model.infer} path, against the peer
 * libraries called directly on the same model: xgboost4j 3.4.0 ({@code predict} on a {@code DMatrix}, and
 * {@code inplace_predict}) for an XGBoost model, LightGBM's JNI binding (lightgbmlib 3.3.510: the fast
 * single-row call and the matrix call) for a LightGBM model. Both models: 500 trees of depth 8 on 100
 * features (binary:logistic / binary), trained here on 8,000 random rows with 5% NaN.
 *
 * <p>Batch 1 and batch 1,024; single thread (one caller, one Nereid instance, peers with one thread) and
 * all cores (one caller per core, as many Nereid instances, peers with one thread per call, each caller
 * with its own booster). Each figure is the rows predicted in {@code -Dseconds} (default 6) after as long
 * a warm-up, per second of wall time and per second of the process's CPU time (the figure that holds on a
 * machine shared with other work). Run: {@code java -Dmodels=target/fil-models -cp nereid-bench/target/benchmarks.jar
 * dev.nereid.bench.fil.FilBenchmark} ({@code -DtrainOnly=true} stops after writing the models; {@code -Dbatches=1024}
 * and {@code -Dcallers=1} measure only those lines).
 */
public final class FilBenchmark {
  static final int FEATURES = 100;
  static final int TREES = 500;
  static final int DEPTH = 8;
  static final int POOL = 64 * 1024;

  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(System.getProperty("seconds", "6"));
    int cores = Integer.getInteger("cores", Runtime.getRuntime().availableProcessors());
    Path dir = Files.createTempDirectory("fil-bench");
    float[] pool = rows(POOL, 99);
    // -Dmodels=<dir> keeps the trained models between runs (training takes a while on a small machine).
    Path models = Path.of(System.getProperty("models", dir.resolve("models").toString()));
    Files.createDirectories(models);
    Path xgbFile = models.resolve("xgboost.json");
    Path lgbFile = models.resolve("model.txt");
    train(xgbFile, lgbFile);
    if (Boolean.getBoolean("trainOnly")) return;

    Path repo = dir.resolve("repo");
    for (int instances : new int[] {1, cores}) {
      model(repo, "xgb_" + instances, xgbFile, "xgboost_json", instances);
      model(repo, "lgb_" + instances, lgbFile, "lightgbm", instances);
    }
    List<Integer> batches = ints(System.getProperty("batches", "1,1024"));
    List<Integer> callers = ints(System.getProperty("callers", cores == 1 ? "1" : "1," + cores));
    List<String> lines = new ArrayList<>();
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      for (int batch : batches) {
        for (int threads : callers) {
          String where = "batch " + batch + ", " + (threads == 1 ? "1 thread" : threads + " threads");
          double[] nx = measure(threads, seconds, t -> nereid(server.model("xgb_" + (threads == 1 ? 1 : cores)), pool, batch, t));
          double[] xp = measure(threads, seconds, t -> xgboostPredict(xgbFile, pool, batch, t));
          double[] xi = measure(threads, seconds, t -> xgboostInplace(xgbFile, pool, batch, t));
          double[] nl = measure(threads, seconds, t -> nereid(server.model("lgb_" + (threads == 1 ? 1 : cores)), pool, batch, t));
          double[] lj = measure(threads, seconds, t -> lightgbm(lgbFile, pool, batch, t));
          for (int m = 0; m < 2; m++) {
            lines.add(String.format(Locale.ROOT,
                "%-22s %-11s | XGBoost: Nereid %,10.0f  xgboost4j predict %,10.0f  inplace_predict %,10.0f  ratio %5.2fx"
                    + " | LightGBM: Nereid %,10.0f  lightgbmlib %,10.0f  ratio %5.2fx",
                where, m == 0 ? "rows/s" : "rows/cpu-s", nx[m], xp[m], xi[m], nx[m] / Math.max(xp[m], xi[m]), nl[m],
                lj[m], nl[m] / lj[m]));
            System.out.println("RESULT " + lines.get(lines.size() - 1));
          }
        }
      }
    }
    System.out.println();
    System.out.println("rows/s, " + TREES + " trees, depth " + DEPTH + ", " + FEATURES + " features, " + cores
        + " cores, " + seconds + " s per figure");
    lines.forEach(l -> System.out.println("RESULT " + l));
  }

  private static List<Integer> ints(String list) {
    return java.util.Arrays.stream(list.split(",")).map(String::trim).map(Integer::valueOf).toList();
  }

  /** One caller's loop: predicts until {@code stop}, returns rows predicted while {@code counting}. */
  interface Caller {
    long run(Control control) throws Exception;
  }

  /** Shared by the callers of one measurement. */
  static final class Control {
    final AtomicBoolean counting = new AtomicBoolean();
    final AtomicBoolean stop = new AtomicBoolean();
    final int index;

    Control(int index, Control shared) {
      this.index = index;
      this.sharedCounting = shared == null ? counting : shared.counting;
      this.sharedStop = shared == null ? stop : shared.stop;
    }

    final AtomicBoolean sharedCounting;
    final AtomicBoolean sharedStop;

    boolean counting() {
      return sharedCounting.get();
    }

    boolean stopped() {
      return sharedStop.get();
    }
  }

  interface CallerFactory {
    Caller create(int index) throws Exception;
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  /** Rows per second of wall time, and rows per second of this process's CPU time, in that order. */
  static double[] measure(int threads, double seconds, CallerFactory factory) throws Exception {
    Control shared = new Control(-1, null);
    long[] counts = new long[threads];
    Throwable[] failure = new Throwable[1];
    CountDownLatch done = new CountDownLatch(threads);
    List<Thread> list = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Caller caller = factory.create(t);
      Thread thread = new Thread(() -> {
        try {
          counts[index] = caller.run(new Control(index, shared));
        } catch (Throwable e) {
          failure[0] = e;
        } finally {
          done.countDown();
        }
      });
      list.add(thread);
    }
    list.forEach(Thread::start);
    Thread.sleep((long) (seconds * 1000)); // warm-up
    long cpu = OS.getProcessCpuTime();
    shared.counting.set(true);
    long start = System.nanoTime();
    Thread.sleep((long) (seconds * 1000));
    shared.counting.set(false);
    double elapsed = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (OS.getProcessCpuTime() - cpu) / 1e9;
    shared.stop.set(true);
    done.await();
    if (failure[0] != null) throw new IllegalStateException(failure[0]);
    long total = 0;
    for (long c : counts) total += c;
    return new double[] {total / elapsed, total / cpuSeconds};
  }

  static Caller nereid(Model model, float[] pool, int batch, int index) {
    int batches = POOL / batch;
    List<Map<String, Tensor>> inputs = new ArrayList<>();
    for (int b = 0; b < Math.min(batches, 64); b++) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(batch * FEATURES * 4).order(ByteOrder.LITTLE_ENDIAN);
      buffer.asFloatBuffer().put(pool, ((b + index * 7) % batches) * batch * FEATURES, batch * FEATURES);
      inputs.add(Map.of("input__0", Tensor.of(DataType.FP32, new long[] {batch, FEATURES}, buffer)));
    }
    return control -> {
      long rows = 0;
      float sink = 0;
      for (int i = 0; !control.stopped(); i++) {
        for (InferenceResponse r : model.infer(inputs.get(i % inputs.size()))) {
          sink += r.output("output__0").data().getFloat(0);
        }
        if (control.counting()) rows += batch;
      }
      return sink == Float.MAX_VALUE ? -1 : rows;
    };
  }

  static Caller xgboostPredict(Path file, float[] pool, int batch, int index) throws Exception {
    Booster booster = XGBoost.loadModel(file.toString());
    booster.setParam("nthread", 1);
    int batches = POOL / batch;
    List<float[]> inputs = slices(pool, batch, batches, index);
    return control -> {
      long rows = 0;
      float sink = 0;
      for (int i = 0; !control.stopped(); i++) {
        DMatrix m = new DMatrix(inputs.get(i % inputs.size()), batch, FEATURES, Float.NaN);
        sink += booster.predict(m)[0][0];
        m.dispose();
        if (control.counting()) rows += batch;
      }
      booster.dispose();
      return sink == Float.MAX_VALUE ? -1 : rows;
    };
  }

  static Caller xgboostInplace(Path file, float[] pool, int batch, int index) throws Exception {
    Booster booster = XGBoost.loadModel(file.toString());
    booster.setParam("nthread", 1);
    int batches = POOL / batch;
    List<float[]> inputs = slices(pool, batch, batches, index);
    return control -> {
      long rows = 0;
      float sink = 0;
      for (int i = 0; !control.stopped(); i++) {
        sink += booster.inplace_predict(inputs.get(i % inputs.size()), batch, FEATURES, Float.NaN)[0][0];
        if (control.counting()) rows += batch;
      }
      booster.dispose();
      return sink == Float.MAX_VALUE ? -1 : rows;
    };
  }

  static Caller lightgbm(Path file, float[] pool, int batch, int index) throws Exception {
    LightGbm.Predictor predictor = new LightGbm.Predictor(file, FEATURES, batch);
    int batches = POOL / batch;
    List<float[]> inputs = slices(pool, batch, batches, index);
    if (batch == 1) {
      List<double[]> rows = new ArrayList<>();
      for (float[] f : inputs) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        rows.add(d);
      }
      return control -> {
        long n = 0;
        double sink = 0;
        for (int i = 0; !control.stopped(); i++) {
          sink += predictor.predictRow(rows.get(i % rows.size()));
          if (control.counting()) n++;
        }
        predictor.close();
        return sink == Double.MAX_VALUE ? -1 : n;
      };
    }
    // Rows copied into native memory once, outside the timed loop: the most favourable case for LightGBM.
    List<SWIGTYPE_p_float> natives = new ArrayList<>();
    for (float[] f : inputs) natives.add(LightGbm.floats(f));
    return control -> {
      long n = 0;
      double sink = 0;
      for (int i = 0; !control.stopped(); i++) {
        sink += predictor.predictRows(natives.get(i % natives.size()), batch);
        if (control.counting()) n += batch;
      }
      predictor.close();
      natives.forEach(lightgbmlib::delete_floatArray);
      return sink == Double.MAX_VALUE ? -1 : n;
    };
  }

  private static List<float[]> slices(float[] pool, int batch, int batches, int index) {
    List<float[]> inputs = new ArrayList<>();
    for (int b = 0; b < Math.min(batches, 64); b++) {
      int from = ((b + index * 7) % batches) * batch * FEATURES;
      inputs.add(java.util.Arrays.copyOfRange(pool, from, from + batch * FEATURES));
    }
    return inputs;
  }

  static float[] rows(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * FEATURES];
    for (int i = 0; i < x.length; i++) x[i] = random.nextDouble() < 0.05 ? Float.NaN : (float) random.nextGaussian();
    return x;
  }

  /** Trains the models whose files are missing. */
  static void train(Path xgbFile, Path lgbFile) throws Exception {
    int n = 8_000;
    float[] x = rows(n, 1);
    float[] y = new float[n];
    SplittableRandom random = new SplittableRandom(2);
    for (int r = 0; r < n; r++) {
      double s = 0;
      for (int f = 0; f < 10; f++) {
        float v = x[r * FEATURES + f];
        s += (Float.isNaN(v) ? 0.3 : v) * (f % 2 == 0 ? 1 : -0.7);
      }
      y[r] = s + random.nextGaussian() > 0 ? 1f : 0f;
    }
    long start = System.nanoTime();
    // One training thread each: OpenMP's spinning threads crawl on a machine shared with other work.
    if (!Files.exists(lgbFile)) {
      LightGbm.train(x, n, FEATURES, y, "objective=binary max_depth=" + DEPTH + " num_leaves=" + (1 << DEPTH)
          + " min_data_in_leaf=5 learning_rate=0.05 num_threads=1", TREES, lgbFile);
    }
    if (Files.exists(xgbFile)) return;
    DMatrix train = new DMatrix(x, n, FEATURES, Float.NaN);
    train.setLabel(y);
    Map<String, Object> params = new HashMap<>();
    params.put("objective", "binary:logistic");
    params.put("max_depth", DEPTH);
    params.put("eta", 0.05);
    params.put("tree_method", "hist");
    params.put("min_child_weight", 0);
    params.put("seed", 1);
    params.put("nthread", 1);
    Booster booster = XGBoost.train(train, params, TREES, Map.of(), null, null);
    booster.saveModel(xgbFile.toString());
    booster.dispose();
    train.dispose();
    System.out.printf(Locale.ROOT, "trained both models in %.1f s%n", (System.nanoTime() - start) / 1e9);
  }

  static void model(Path repo, String name, Path file, String type, int instances) throws Exception {
    Path version = Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.copy(file, version.resolve(file.getFileName()));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "fil"
        max_batch_size: 1024
        input [{ name: "input__0" data_type: TYPE_FP32 dims: [ %d ] }]
        output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] }]
        instance_group [{ kind: KIND_CPU count: %d }]
        parameters [
          { key: "model_type" value: { string_value: "%s" } },
          { key: "output_class" value: { string_value: "false" } }
        ]
        """.formatted(FEATURES, instances, type));
  }

  private FilBenchmark() {}
}
