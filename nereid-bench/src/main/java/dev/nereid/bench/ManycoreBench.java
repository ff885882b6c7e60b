package dev.nereid.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelStatistics;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Nereid dynamic batching versus raw ONNX Runtime, many cores. Usage:
 *
 * <pre>
 * java -cp 'lib/*' dev.nereid.bench.ManycoreBench MODEL.onnx SEQ WARM_S MEASURE_S TEST...
 *   raw:T               ORT per request (batch 1) from T threads, one shared session, intra-op 1
 *   batch:B:T:I[:sep]   ORT on pre-built batches of B from T threads, intra-op I, one shared session
 *                       (sep: one session per thread)
 *   nereid:C:N:I:D      Nereid, C callers of batch-1 requests; instance_group count N, intra_op_thread_count I,
 *                       max_batch_size 64, dynamic_batching max_queue_delay_microseconds D (D<0: no batching)
 *   ab:C:N:I:D:B        nereid:C:N:I:D against batch:B:N:I in alternating slices of the same run (see ab)
 *   jit:S               S seconds of Nereid calls, not reported (half with dynamic batching, half without),
 *                       so that the nereid tests after it run compiled code (see below)
 * </pre>
 *
 * Throughput counts requests whose call completed inside the measuring window; latency is per call.
 *
 * <p>Why {@code jit}: with a model that takes milliseconds, Nereid's request path runs a few hundred
 * times a second, so HotSpot's C2 compiles it only after tens of seconds; until then C2 compiler threads
 * take 5-7 % of two cores and the request path runs C1 code, which a short warm-up charges to Nereid
 * (raw ORT's Java side is a few methods). Compiled code outlives the server, so one {@code jit} at the
 * start of a run serves every nereid test after it.
 */
public final class ManycoreBench {
  static final String OUT = "last_hidden_state";
  static int seq;
  static double warmS;
  static double measureS;
  static Path model;
  static OrtEnvironment env;
  static final Map<Integer, float[]> reference = new HashMap<>(); // caller seed -> first 4 output floats

  interface Op {
    /** Runs one call; returns the requests it served. */
    int run() throws Exception;
  }

  interface OpFactory {
    Op create(int thread) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    model = Path.of(args[0]).toAbsolutePath();
    seq = Integer.parseInt(args[1]);
    warmS = Double.parseDouble(args[2]);
    measureS = Double.parseDouble(args[3]);
    env = OrtEnvironment.getEnvironment();
    System.out.printf(Locale.ROOT, "INFO nproc=%d java=%s ort_java=%s model=%s seq=%d warm_s=%.1f measure_s=%.1f%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), env.getVersion(), model, seq,
        warmS, measureS);
    for (int i = 4; i < args.length; i++) {
      String test = args[i];
      try {
        runTest(test);
      } catch (Throwable t) {
        System.out.println("FAILED " + test + " " + t);
        t.printStackTrace(System.out);
      }
      System.out.flush();
    }
    System.out.println("DONE");
    System.exit(0);
  }

  static void runTest(String test) throws Exception {
    String[] p = test.split(":");
    switch (p[0]) {
      case "raw" -> raw(Integer.parseInt(p[1]));
      case "batch" -> batch(Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]),
          p.length > 4 && p[4].equals("sep"));
      case "nereid" -> nereid(Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]),
          Integer.parseInt(p[4]));
      case "jit" -> jit(Double.parseDouble(p[1]));
      case "ab" -> ab(Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]), Integer.parseInt(p[4]),
          Integer.parseInt(p[5]));
      default -> throw new IllegalArgumentException(test);
    }
  }

  static long[] tokens(int seed) {
    Random random = new Random(seed);
    long[] ids = new long[seq];
    ids[0] = 101;
    for (int i = 1; i < seq - 1; i++) ids[i] = 1000 + random.nextInt(20000);
    ids[seq - 1] = 102;
    return ids;
  }

  static ByteBuffer direct(long[] values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) b.putLong(v);
    return b.flip();
  }

  static long[] ones(int n) {
    long[] a = new long[n];
    Arrays.fill(a, 1);
    return a;
  }

  /** Inputs for rows seed0..seed0+b-1, as ORT tensors over direct buffers. */
  static Map<String, OnnxTensor> ortInputs(int seed0, int b) throws Exception {
    long[] ids = new long[b * seq];
    for (int r = 0; r < b; r++) System.arraycopy(tokens(seed0 + r), 0, ids, r * seq, seq);
    long[] shape = {b, seq};
    return Map.of("input_ids", OnnxTensor.createTensor(env, direct(ids).asLongBuffer(), shape),
        "attention_mask", OnnxTensor.createTensor(env, direct(ones(b * seq)).asLongBuffer(), shape));
  }

  static OrtSession session(int intra) throws Exception {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(intra);
    return env.createSession(model.toString(), o);
  }

  static float runOrt(OrtSession s, Map<String, OnnxTensor> in) throws Exception {
    try (OrtSession.Result r = s.run(in)) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    }
  }

  static void raw(int threads) throws Exception {
    try (OrtSession s = session(1)) {
      measure(String.format(Locale.ROOT, "raw_per_request threads=%d batch=1 intra=1", threads), threads,
          t -> rawCall(s, t, 1), null);
    }
  }

  /** Pre-built batches; {@code separate}: one session per thread instead of one shared session. */
  static void batch(int b, int threads, int intra, boolean separate) throws Exception {
    List<OrtSession> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < (separate ? threads : 1); i++) sessions.add(session(intra));
      measure(String.format(Locale.ROOT, "raw_prebuilt_batch threads=%d batch=%d intra=%d sessions=%s", threads, b,
          intra, separate ? "per_thread" : "shared"), threads, t -> rawCall(sessions.get(separate ? t : 0), t, b), null);
    } finally {
      for (OrtSession s : sessions) s.close();
    }
  }

  /** One thread's call of ORT on its own pre-built batch of {@code b} rows. */
  static Op rawCall(OrtSession s, int thread, int b) throws Exception {
    Map<String, OnnxTensor> in = ortInputs(1000 + thread * b, b);
    return () -> {
      runOrt(s, in);
      return b;
    };
  }

  /** First four floats of last_hidden_state for one caller's row, from a batch-1 ORT run. */
  static float[] referenceFor(OrtSession s, int seed) throws Exception {
    synchronized (reference) {
      float[] ref = reference.get(seed);
      if (ref != null) return ref;
      Map<String, OnnxTensor> in = ortInputs(seed, 1);
      try (OrtSession.Result r = s.run(in)) {
        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
        ref = new float[] {fb.get(0), fb.get(1), fb.get(2), fb.get(3)};
      }
      for (OnnxTensor t : in.values()) t.close();
      reference.put(seed, ref);
      return ref;
    }
  }

  /** Runs Nereid's request path for {@code seconds}, half with dynamic batching and half without; reports nothing. */
  static void jit(double seconds) throws Exception {
    int instances = Math.min(16, Runtime.getRuntime().availableProcessors());
    for (int delayUs : new int[] {0, -1}) {
      Path repo = nereidRepository(instances, 1, delayUs);
      Checks checks = new Checks();
      try (OrtSession refSession = session(1);
          Server server = new Server(ServerOptions.of(repo)).start()) {
        Model m = server.model(MODEL_NAME);
        List<Op> callers = new ArrayList<>();
        for (int t = 0; t < 2 * instances; t++) callers.add(nereidCall(m, refSession, t, checks));
        new Slices(List.of(callers)).run(seconds / 2, false);
        checks.print("jit delay_us=" + delayUs);
      } finally {
        delete(repo);
      }
    }
  }

  static void nereid(int callers, int instances, int intra, int delayUs) throws Exception {
    Path repo = nereidRepository(instances, intra, delayUs);
    Checks checks = new Checks();
    try (OrtSession refSession = session(1);
        Server server = new Server(ServerOptions.of(repo)).start()) {
      Model m = server.model(MODEL_NAME);
      String label = String.format(Locale.ROOT, "nereid callers=%d instances=%d intra=%d delay_us=%d max_batch=64",
          callers, instances, intra, delayUs);
      measure(label, callers, t -> nereidCall(m, refSession, t, checks), m);
      checks.print(label);
    } finally {
      delete(repo);
    }
  }

  /**
   * Nereid (as {@code nereid:C:N:I:D}) and raw ORT on pre-built batches of {@code rawBatch} from N threads
   * (as {@code batch:B:N:I}) in alternating slices of {@code SLICE_S} seconds within one run: the shared
   * 2-core VM drifts by 10-30 % within minutes, which a test-after-test comparison reads as a difference.
   * Before a side's slice starts, the other side's callers finish their calls in flight and wait; that
   * drain counts to the side that ran it. Prints one RESULT line per side and their ratio.
   */
  static void ab(int callers, int instances, int intra, int delayUs, int rawBatch) throws Exception {
    Path repo = nereidRepository(instances, intra, delayUs);
    Checks checks = new Checks();
    try (OrtSession refSession = session(1);
        OrtSession rawSession = session(intra);
        Server server = new Server(ServerOptions.of(repo)).start()) {
      Model m = server.model(MODEL_NAME);
      List<Op> nereidOps = new ArrayList<>();
      for (int t = 0; t < callers; t++) nereidOps.add(nereidCall(m, refSession, t, checks));
      List<Op> rawOps = new ArrayList<>();
      for (int t = 0; t < instances; t++) rawOps.add(rawCall(rawSession, t, rawBatch));
      Slices slices = new Slices(List.of(nereidOps, rawOps));
      slices.run(warmS, false);
      long[] before = stats(m);
      slices.run(measureS, true);
      long[] after = stats(m);
      double batch = (double) (after[0] - before[0]) / Math.max(1, after[1] - before[1]);
      double nereid = slices.rate(0);
      double raw = slices.rate(1);
      System.out.printf(Locale.ROOT, "RESULT ab nereid callers=%d instances=%d intra=%d delay_us=%d req_per_s=%.1f "
          + "avg_exec_batch=%.2f%n", callers, instances, intra, delayUs, nereid, batch);
      System.out.printf(Locale.ROOT, "RESULT ab raw_prebuilt_batch threads=%d batch=%d intra=%d req_per_s=%.1f%n",
          instances, rawBatch, intra, raw);
      double[] ratios = slices.sortedRatios();
      System.out.printf(Locale.ROOT, "RESULT ab ratio nereid_over_raw=%.3f round_median=%.3f round_min=%.3f round_max=%.3f "
          + "rounds=%d slice_s=%.1f%n", nereid / raw, ratios[ratios.length / 2], ratios[0],
          ratios[ratios.length - 1], slices.slices, SLICE_S);
      checks.print("ab nereid callers=" + callers);
    } finally {
      delete(repo);
    }
  }

  static final double SLICE_S = 2.0;

  /** Sides that take turns on the machine; each side is a set of closed-loop callers. */
  static final class Slices {
    private final List<List<Op>> sides;
    private final long[] served;
    private final double[] seconds;
    /** Per counted round, side 0's rate over side 1's. */
    private final List<Double> roundRatios = new ArrayList<>();
    int slices;

    Slices(List<List<Op>> sides) {
      this.sides = sides;
      this.served = new long[sides.size()];
      this.seconds = new double[sides.size()];
    }

    /** Alternates the sides for {@code total} seconds each; counts only when {@code counted}. */
    void run(double total, boolean counted) throws Exception {
      int rounds = Math.max(1, (int) Math.round(total / SLICE_S));
      for (int r = 0; r < rounds; r++) {
        double[] rates = new double[sides.size()];
        for (int side = 0; side < sides.size(); side++) {
          int s = (side + r) % sides.size(); // alternate which side goes first
          long start = System.nanoTime();
          long n = runSide(sides.get(s), start + (long) (SLICE_S * 1e9));
          double elapsed = (System.nanoTime() - start) / 1e9;
          rates[s] = n / elapsed;
          if (counted) {
            served[s] += n;
            seconds[s] += elapsed;
          }
        }
        if (counted) {
          slices++;
          roundRatios.add(rates[0] / rates[1]);
        }
      }
    }

    /** The per-round ratios, sorted: their median and spread say how far the total ratio can be trusted. */
    double[] sortedRatios() {
      return roundRatios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    double rate(int side) {
      return served[side] / seconds[side];
    }

    /** Runs every caller of a side until {@code end}, then waits for their calls in flight. */
    private static long runSide(List<Op> ops, long end) throws Exception {
      AtomicLong done = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      Throwable[] error = new Throwable[1];
      for (Op op : ops) {
        threads.add(Thread.ofPlatform().start(() -> {
          try {
            while (System.nanoTime() < end) done.addAndGet(op.run());
          } catch (Throwable e) {
            error[0] = e;
          }
        }));
      }
      for (Thread t : threads) t.join();
      if (error[0] != null) throw new RuntimeException("caller failed", error[0]);
      return done.get();
    }
  }

  static final String MODEL_NAME = "encoder";

  /** A repository holding the model as {@code encoder}, configured as the nereid tests say. */
  static Path nereidRepository(int instances, int intra, int delayUs) throws Exception {
    Path repo = Files.createTempDirectory("nereid-repo-");
    Path version = Files.createDirectories(repo.resolve(MODEL_NAME).resolve("1"));
    Files.createSymbolicLink(version.resolve("model.onnx"), model);
    String batching = delayUs < 0 ? "" : "dynamic_batching { max_queue_delay_microseconds: " + delayUs + " }";
    String config = """
        name: "%s"
        platform: "onnxruntime_onnx"
        max_batch_size: 64
        input [
          { name: "input_ids" data_type: TYPE_INT64 dims: [ %d ] },
          { name: "attention_mask" data_type: TYPE_INT64 dims: [ %d ] }
        ]
        output [ { name: "%s" data_type: TYPE_FP32 dims: [ %d, -1 ] } ]
        instance_group [ { kind: KIND_CPU count: %d } ]
        parameters { key: "intra_op_thread_count" value { string_value: "%d" } }
        %s
        """.formatted(MODEL_NAME, seq, seq, OUT, seq, instances, intra, batching);
    Files.writeString(repo.resolve(MODEL_NAME).resolve("config.pbtxt"), config);
    return repo;
  }

  static void delete(Path repo) throws Exception {
    try (var files = Files.walk(repo)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** Responses checked against raw ORT's batch-1 answer, and how many differed. */
  static final class Checks {
    final AtomicLong checked = new AtomicLong();
    final AtomicLong mismatches = new AtomicLong();

    void print(String label) {
      System.out.printf(Locale.ROOT, "CHECK %s responses_checked=%d mismatches=%d%n", label, checked.get(),
          mismatches.get());
    }
  }

  /** One caller's batch-1 call through Nereid, its answer checked against raw ORT's. */
  static Op nereidCall(Model m, OrtSession refSession, int t, Checks checks) throws Exception {
    int seed = 1000 + t;
    float[] ref = referenceFor(refSession, seed);
    long[] shape = {1, seq};
    InferenceRequest request = InferenceRequest.builder()
        .input("input_ids", Tensor.of(DataType.INT64, shape, direct(tokens(seed))))
        .input("attention_mask", Tensor.of(DataType.INT64, shape, direct(ones(seq))))
        .build();
    return () -> {
      // Closed like the raw side's OrtSession.Result, so the output memory is recycled.
      try (ResponseIterator r = m.infer(request); InferenceResponse response = r.next()) {
        Tensor out = response.output(OUT);
        FloatBuffer fb = out.asFloatBuffer();
        checks.checked.incrementAndGet();
        if (out.dim(0) != 1 || out.dim(1) != seq) {
          checks.mismatches.incrementAndGet();
        } else {
          for (int i = 0; i < 4; i++) {
            if (Math.abs(fb.get(i) - ref[i]) > 1e-3f) {
              checks.mismatches.incrementAndGet();
              break;
            }
          }
        }
      }
      return 1;
    };
  }

  static long cpuTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, fields 14 and 15
    } catch (Exception e) {
      return -1;
    }
  }

  static long[] stats(Model m) {
    if (m == null) return null;
    ModelStatistics s = m.statistics().get(0);
    return new long[] {s.inferenceCount(), s.executionCount()};
  }

  static void measure(String label, int threads, OpFactory factory, Model nereidModel) throws Exception {
    long[][] latencies = new long[threads][];
    int[] counts = new int[threads];
    long[] served = new long[threads];
    Throwable[] errors = new Throwable[threads];
    CyclicBarrier barrier = new CyclicBarrier(threads + 1);
    long[] window = new long[2];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      final int id = t;
      Thread w = new Thread(() -> {
        long[] lat = new long[1024];
        int n = 0;
        long done = 0;
        try {
          Op op = factory.create(id);
          barrier.await();
          long ms = window[0];
          long me = window[1];
          while (true) {
            long s = System.nanoTime();
            if (s >= me) break;
            int k = op.run();
            long e = System.nanoTime();
            if (e >= ms && e < me) {
              if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
              lat[n++] = e - s;
              done += k;
            }
          }
        } catch (Throwable e) {
          errors[id] = e;
          barrier.reset();
        }
        latencies[id] = lat;
        counts[id] = n;
        served[id] = done;
      }, "worker-" + t);
      workers.add(w);
    }
    for (Thread w : workers) w.start();
    long t0 = System.nanoTime();
    window[0] = t0 + (long) (warmS * 1e9);
    window[1] = window[0] + (long) (measureS * 1e9);
    barrier.await(); // workers read window after this point
    sleepUntil(window[0]);
    long cpu0 = cpuTicks();
    long[] st0 = stats(nereidModel);
    sleepUntil(window[1]);
    long cpu1 = cpuTicks();
    long[] st1 = stats(nereidModel);
    for (Thread w : workers) w.join();
    for (int t = 0; t < threads; t++) {
      if (errors[t] != null) {
        System.out.println("ERROR " + label + " thread " + t + ": " + errors[t]);
        errors[t].printStackTrace(System.out);
        throw new RuntimeException("worker failed", errors[t]);
      }
    }
    int total = 0;
    long requests = 0;
    for (int t = 0; t < threads; t++) {
      total += counts[t];
      requests += served[t];
    }
    long[] all = new long[total];
    int k = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(latencies[t], 0, all, k, counts[t]);
      k += counts[t];
    }
    Arrays.sort(all);
    double seconds = measureS;
    String batchInfo = "";
    if (st0 != null) {
      long inf = st1[0] - st0[0];
      long exec = st1[1] - st0[1];
      batchInfo = String.format(Locale.ROOT, " avg_exec_batch=%.2f", exec == 0 ? 0.0 : (double) inf / exec);
    }
    System.out.printf(Locale.ROOT,
        "RESULT %s req_per_s=%.1f p50_ms=%.2f p99_ms=%.2f mean_ms=%.2f calls=%d cpu_cores_busy=%.1f%s%n",
        label, requests / seconds, pct(all, 0.50), pct(all, 0.99), mean(all), total,
        cpu0 < 0 ? -1.0 : (cpu1 - cpu0) / 100.0 / seconds, batchInfo);
    System.out.flush();
  }

  static void sleepUntil(long nanoTime) throws InterruptedException {
    long d;
    while ((d = nanoTime - System.nanoTime()) > 0) Thread.sleep(Math.max(1, d / 1_000_000));
  }

  static double pct(long[] sorted, double q) {
    if (sorted.length == 0) return Double.NaN;
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  static double mean(long[] a) {
    if (a.length == 0) return Double.NaN;
    double s = 0;
    for (long v : a) s += v;
    return s / a.length / 1e6;
  }
}
