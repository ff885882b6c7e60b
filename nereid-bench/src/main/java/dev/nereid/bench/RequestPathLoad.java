package dev.nereid.bench;

import dev.nereid.InferenceRequest;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * The in-process request path on many threads (issue 17): closed-loop callers on the built-in identity
 * model (FP32 [1, 16]), every answer checked, in three variants: no batching with a new
 * {@code Tensor.of(float[])} per call ({@code array}), {@code dynamic_batching {}} with max_batch_size 64
 * and a new tensor per call ({@code batched}), no batching with one request built once and reused
 * ({@code reused}). Prints a RESULT line per variant and thread count: requests/s, p50 and p99
 * latency.
 *
 * <pre>
 * java -cp nereid-bench/target/benchmarks.jar dev.nereid.bench.RequestPathLoad [INSTANCES] [SECONDS] [THREADS,...]
 * </pre>
 */
public final class RequestPathLoad {
  private static final int ELEMENTS = 16;

  private RequestPathLoad() {}

  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
    int[] threads = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
        : new int[] {1, 2, 4, 8, 16, 32};
    System.out.printf(Locale.ROOT, "INFO cores=%d java=%s instances=%d seconds=%.1f%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), instances, seconds);
    for (String variant : List.of("array", "batched", "reused")) {
      try (BenchRepository repository = new BenchRepository()) {
        Path dir = Files.createDirectories(repository.root().resolve("identity").resolve("1"));
        boolean batched = variant.equals("batched");
        Files.writeString(dir.getParent().resolve("config.pbtxt"), """
            backend: "identity"
            max_batch_size: %d
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ %s ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ %s ] } ]
            instance_group [ { kind: KIND_CPU count: %d } ]
            %s
            """.formatted(batched ? 64 : 0, batched ? "16" : "1, 16", batched ? "16" : "1, 16", instances,
            batched ? "dynamic_batching { }" : ""));
        Server server = new Server(ServerOptions.of(repository.root())).start();
        try {
          Model model = server.model("identity");
          run(variant, model, 1, Math.min(seconds, 2)); // warm-up, not reported
          for (int t : threads) run(variant, model, t, seconds);
        } finally {
          server.stop();
        }
      }
    }
  }

  /** Runs {@code threads} callers for {@code seconds} and prints what they got. */
  private static void run(String variant, Model model, int threads, double seconds) throws Exception {
    long[][] latencies = new long[threads][];
    int[] counts = new int[threads];
    Throwable[] errors = new Throwable[threads];
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    long[] end = new long[1];
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      callers.add(Thread.ofPlatform().name("caller-" + t).start(() -> {
        long[] lat = new long[1 << 16];
        int n = 0;
        try {
          float[] values = new float[ELEMENTS];
          for (int i = 0; i < ELEMENTS; i++) values[i] = id * 1000 + i;
          InferenceRequest reused = request(variant, values);
          start.await();
          long stop = end[0];
          for (int call = 0; ; call++) {
            long s = System.nanoTime();
            if (s >= stop) break;
            values[0] = call;
            InferenceRequest request = variant.equals("reused") ? reused : request(variant, values);
            float first;
            float last;
            try (ResponseIterator r = model.infer(request)) {
              Tensor out = r.next().output("OUTPUT0");
              first = out.data().getFloat(0);
              last = out.data().getFloat((ELEMENTS - 1) * 4);
            }
            long e = System.nanoTime();
            float expectedFirst = variant.equals("reused") ? id * 1000 : call;
            if (first != expectedFirst || last != id * 1000 + ELEMENTS - 1) {
              throw new AssertionError("caller " + id + " call " + call + ": got " + first + ", " + last);
            }
            if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
            lat[n++] = e - s;
          }
        } catch (Throwable e) {
          errors[id] = e;
          start.reset();
        }
        latencies[id] = lat;
        counts[id] = n;
      }));
    }
    end[0] = System.nanoTime() + (long) (seconds * 1e9) + 50_000_000L;
    start.await();
    for (Thread c : callers) c.join();
    for (Throwable e : errors) {
      if (e != null) throw new IllegalStateException("a caller failed", e);
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int k = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(latencies[t], 0, all, k, counts[t]);
      k += counts[t];
    }
    Arrays.sort(all);
    double perSecond = total / seconds;
    System.out.printf(Locale.ROOT, "RESULT variant=%s threads=%d req_per_s=%.0f p50_us=%.1f p99_us=%.1f calls=%d%n",
        variant, threads, perSecond, pct(all, 0.50), pct(all, 0.99), total);
  }

  private static InferenceRequest request(String variant, float[] values) {
    return InferenceRequest.builder().input("INPUT0", Tensor.of(values, 1, ELEMENTS)).build();
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) return Double.NaN;
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e3;
  }
}
