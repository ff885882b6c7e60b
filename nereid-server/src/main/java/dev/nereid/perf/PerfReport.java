package dev.nereid.perf;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Prints perf results as perf_analyzer does: a block per level, a summary, and optionally CSV. */
public final class PerfReport {
  private PerfReport() {}

  /** The block for one level. */
  public static void printLevel(PrintWriter out, PerfResult r, double percentile) {
    String level = r.concurrency() > 0 ? "Concurrency: " + r.concurrency()
        : String.format(Locale.ROOT, "Request rate: %.1f/s", r.requestRate());
    out.println(level);
    out.printf(Locale.ROOT, "  Client: %d requests, %d errors%n", r.requests(), r.errors());
    out.printf(Locale.ROOT, "    Throughput: %.1f infer/sec%n", r.inferencesPerSecond());
    out.printf(Locale.ROOT, "    p50 latency: %.1f usec, p90: %.1f usec, p95: %.1f usec, p99: %.1f usec%n",
        r.p50Micros(), r.p90Micros(), r.p95Micros(), r.p99Micros());
    if (!isStandard(percentile)) {
      out.printf(Locale.ROOT, "    p%s latency: %.1f usec%n", trim(percentile), r.percentileMicros());
    }
    if (r.server() != null) {
      out.printf(Locale.ROOT,
          "  Server: queue %.1f usec, compute input %.1f usec, compute infer %.1f usec, compute output %.1f usec%n",
          r.server().queueMicros(), r.server().computeInputMicros(), r.server().computeInferMicros(),
          r.server().computeOutputMicros());
    }
    out.flush();
  }

  /** One line per level. */
  public static void printSummary(PrintWriter out, List<PerfResult> results, double percentile) {
    out.println("Inferences/Second vs. Client p" + trim(percentile) + " Latency");
    for (PerfResult r : results) {
      String level = r.concurrency() > 0 ? "Concurrency: " + r.concurrency()
          : String.format(Locale.ROOT, "Request rate: %.1f", r.requestRate());
      out.printf(Locale.ROOT, "%s, throughput: %.1f infer/sec, latency %.1f usec%n", level, r.inferencesPerSecond(),
          r.percentileMicros());
    }
    out.flush();
  }

  /** CSV with a header row, one row per level. */
  public static String csv(List<PerfResult> results, double percentile) {
    boolean extra = !isStandard(percentile);
    StringBuilder b = new StringBuilder("Concurrency,Request Rate,Inferences/Second,Requests,Errors,"
        + "Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,"
        + "p50 latency,p90 latency,p95 latency,p99 latency" + (extra ? ",p" + trim(percentile) + " latency" : "") + "\n");
    for (PerfResult r : results) {
      b.append(r.concurrency()).append(',').append(num(r.requestRate())).append(',')
          .append(num(r.inferencesPerSecond())).append(',').append(r.requests()).append(',').append(r.errors());
      if (r.server() != null) {
        b.append(',').append(num(r.server().queueMicros())).append(',').append(num(r.server().computeInputMicros()))
            .append(',').append(num(r.server().computeInferMicros())).append(',')
            .append(num(r.server().computeOutputMicros()));
      } else {
        b.append(",,,,");
      }
      b.append(',').append(num(r.p50Micros())).append(',').append(num(r.p90Micros())).append(',')
          .append(num(r.p95Micros())).append(',').append(num(r.p99Micros()));
      if (extra) b.append(',').append(num(r.percentileMicros()));
      b.append('\n');
    }
    return b.toString();
  }

  private static boolean isStandard(double percentile) {
    return percentile == 50 || percentile == 90 || percentile == 95 || percentile == 99;
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String trim(double p) {
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
  }
}
