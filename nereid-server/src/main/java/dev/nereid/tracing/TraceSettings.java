package dev.nereid.tracing;

import dev.nereid.NereidException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What is traced, server-wide or for one model, as Triton's trace extension reports it.
 *
 * @param timestamps whether requests are traced with timestamps ({@code trace_level TIMESTAMPS})
 * @param tensors whether {@code trace_level TENSORS} records the tensors entering the queue and leaving the backend
 * @param rate one request in this many is traced
 * @param count how many more traces to take; -1 for no limit
 * @param logFrequency in {@code triton} mode, write the file every this many traces (to
 *     {@code file.<n>}); 0 writes {@code file} when tracing stops
 * @param file the trace file of {@code triton} mode
 */
public record TraceSettings(boolean timestamps, boolean tensors, int rate, int count, int logFrequency, String file) {
  public TraceSettings {
    Objects.requireNonNull(file, "file");
    // 0 samples nothing: in opentelemetry mode only requests continuing a caller's trace are traced.
    if (rate < 0) throw new NereidException.InvalidArgument("trace_rate must be >= 0, got " + rate);
    if (count < -1) {
      throw new NereidException.InvalidArgument("Unable to parse 'trace_count'. Expecting value >= -1, got:" + count);
    }
    if (logFrequency < 0) throw new NereidException.InvalidArgument("log_frequency must be >= 0, got " + logFrequency);
  }

  /** Triton's defaults: off, one in 1000, no limit, file written at the end. */
  public static TraceSettings defaults() {
    return new TraceSettings(false, false, 1000, -1, 0, "");
  }

  /** Whether any request is traced under these settings. */
  public boolean on() {
    return (timestamps || tensors) && count != 0;
  }

  /** {@code trace_level} as Triton lists it: {@code ["OFF"]} or the levels set. */
  public List<String> levelNames() {
    List<String> names = new ArrayList<>(2);
    if (timestamps) names.add("TIMESTAMPS");
    if (tensors) names.add("TENSORS");
    if (names.isEmpty()) names.add("OFF");
    return names;
  }

  TraceSettings withLevels(boolean ts, boolean t) {
    return new TraceSettings(ts, t, rate, count, logFrequency, file);
  }

  TraceSettings withRate(int r) {
    return new TraceSettings(timestamps, tensors, r, count, logFrequency, file);
  }

  TraceSettings withCount(int c) {
    return new TraceSettings(timestamps, tensors, rate, c, logFrequency, file);
  }

  TraceSettings withLogFrequency(int f) {
    return new TraceSettings(timestamps, tensors, rate, count, f, file);
  }

  TraceSettings withFile(String f) {
    return new TraceSettings(timestamps, tensors, rate, count, logFrequency, f);
  }
}
