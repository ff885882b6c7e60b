package dev.nereid.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Nereid {@code infer} against the library called directly, in alternating rounds of one process:
 * the TensorFlow MLP of {@link TensorFlowBenchmark} and the TorchScript CNN of {@link TorchBenchmark},
 * at batch 1 and 32, with their setups (one intra-op and one inter-op thread on both sides). Each round
 * times one block of direct calls and one block of Nereid calls back to back, the order swapped every
 * round, after at least 5 s of warm-up a side, so that a neighbour's load falls on both sides alike;
 * the figure is each round's ratio of median latencies, and their median over the rounds. Last, {@link TinyModels}' add/sub models, where
 * the library's own time is a few µs, show Nereid's fixed cost per request on each backend.
 *
 * <pre>
 * java -cp nereid-bench/target/benchmarks.jar dev.nereid.bench.LibraryOverheadRounds [rounds=12] [block ms=400] [tiny|tf1]
 * </pre>
 *
 * ({@code tiny}: the add/sub models only; {@code tf1}: the TensorFlow MLP at batch 1 only.)
 */
public final class LibraryOverheadRounds {
  private LibraryOverheadRounds() {}

  @FunctionalInterface
  private interface Call {
    Object run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    long blockNanos = (args.length > 1 ? Long.parseLong(args[1]) : 400) * 1_000_000L;
    String only = args.length > 2 ? args[2] : "";
    boolean tinyOnly = only.equals("tiny");
    boolean tf1Only = only.equals("tf1");
    System.out.println("case | round | first | raw p50 µs | nereid p50 µs | ratio p50 | raw min µs | nereid min µs");
    for (int batch : tinyOnly ? new int[0] : tf1Only ? new int[] {1} : new int[] {1, 32}) {
      TensorFlowBenchmark tf = new TensorFlowBenchmark();
      tf.batch = batch;
      tf.setUp();
      try {
        compare("tensorflow b" + batch, tf::raw, tf::nereid, rounds, blockNanos);
      } finally {
        tf.tearDown();
      }
      if (tf1Only) return;
      TorchBenchmark torch = new TorchBenchmark();
      torch.batch = batch;
      torch.setUp();
      TorchBenchmark.OneLibtorchThread threads = new TorchBenchmark.OneLibtorchThread();
      threads.setUp(); // this thread's libtorch team: one thread, as on Nereid's instance thread
      try {
        compare("pytorch b" + batch, () -> torch.raw(threads), torch::nereid, rounds, blockNanos);
      } finally {
        torch.tearDown();
      }
    }
    try (TinyModels tiny = new TinyModels()) {
      compare("tensorflow add_sub [1,4]", tiny::rawTf, tiny::nereidTf, rounds, blockNanos);
      compare("pytorch add_sub [1,4]", tiny::rawTorch, tiny::nereidTorch, rounds, blockNanos);
    }
  }

  private static void compare(String name, Call raw, Call nereid, int rounds, long blockNanos) throws Exception {
    // Warm-up: JIT, libraries' caches, Nereid's instance thread. At least 5 s a side: at a few thousand
    // calls a second, Nereid's request path reaches C2 only after seconds, and until then it measured
    // 20-40 µs more per call than at steady state (a server's state) on the PyTorch CNN.
    long warmUntil = System.nanoTime() + 10_000_000_000L;
    for (int i = 0; i < 3 || System.nanoTime() < warmUntil; i++) {
      block(raw, blockNanos);
      block(nereid, blockNanos);
    }
    double[] ratios = new double[rounds];
    double[] rawP50 = new double[rounds];
    double[] nereidP50 = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      boolean rawFirst = r % 2 == 0;
      long[] a = block(rawFirst ? raw : nereid, blockNanos);
      long[] b = block(rawFirst ? nereid : raw, blockNanos);
      long[] rawTimes = rawFirst ? a : b;
      long[] nereidTimes = rawFirst ? b : a;
      rawP50[r] = median(rawTimes) / 1e3;
      nereidP50[r] = median(nereidTimes) / 1e3;
      ratios[r] = nereidP50[r] / rawP50[r];
      System.out.printf(Locale.ROOT, "%s | %d | %s | %.1f | %.1f | %.3f | %.1f | %.1f%n", name, r + 1,
          rawFirst ? "raw" : "nereid", rawP50[r], nereidP50[r], ratios[r], rawTimes[0] / 1e3, nereidTimes[0] / 1e3);
    }
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "SUMMARY %s: median of round ratios %.3f (rounds' range %.3f to %.3f); "
        + "median p50 raw %.1f µs, nereid %.1f µs%n", name, median(sorted), sorted[0], sorted[sorted.length - 1],
        median(rawP50), median(nereidP50));
  }

  /** Calls {@code call} until {@code nanos} have passed (at least 20 times); each call's time, sorted. */
  private static long[] block(Call call, long nanos) throws Exception {
    long[] times = new long[1024];
    int n = 0;
    long start = System.nanoTime();
    long end = start + nanos;
    long now = start;
    while (now < end || n < 20) {
      long before = now;
      if (call.run() == null) throw new IllegalStateException("no result");
      now = System.nanoTime();
      if (n == times.length) times = Arrays.copyOf(times, n * 2);
      times[n++] = now - before;
    }
    long[] out = Arrays.copyOf(times, n);
    Arrays.sort(out);
    return out;
  }

  private static double median(long[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }
}
