package dev.nereid.bench.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The large-tensor modes' round trips: prints each, then a summary of the second half. On pinned
 * cores the JIT takes many round trips to settle, so the first half is left out of the figure.
 */
final class RoundTrips {
  private final int tensorBytes;
  private final List<double[]> rounds = new ArrayList<>();

  RoundTrips(int tensorBytes) {
    this.tensorBytes = tensorBytes;
  }

  /** Records and prints round trip {@code index}; the first two are warm-ups and are not recorded. */
  void add(int index, double seconds, double serverCpuMillis) {
    System.out.printf(Locale.ROOT, "%s %6.1f ms  %7.0f MB/s of tensor per round trip  server CPU %.1f ms%n",
        index < 2 ? "warm-up" : "round  ", seconds * 1e3, tensorBytes / seconds / 1e6, serverCpuMillis);
    if (index >= 2) rounds.add(new double[] {seconds, serverCpuMillis});
  }

  /** Prints the mean round trip, MB/s per direction and server CPU over the second half of the rounds. */
  void printSummary() {
    List<double[]> settled = rounds.subList(rounds.size() / 2, rounds.size());
    if (settled.isEmpty()) return;
    double seconds = 0;
    double cpu = 0;
    for (double[] r : settled) {
      seconds += r[0] / settled.size();
      cpu += r[1] / settled.size();
    }
    System.out.printf(Locale.ROOT, "RESULT last %d round trips: %.1f ms mean, %.0f MB/s per direction, server CPU %.1f ms"
        + " per round trip%n", settled.size(), seconds * 1e3, tensorBytes / seconds / 1e6, cpu);
  }
}
