package dev.nereid.tracing;

import dev.nereid.NereidException;

/** Where traces go, by Triton's {@code trace_mode} names. */
public enum TraceMode {
  /** Triton's JSON trace file. */
  TRITON("triton"),
  /** OpenTelemetry spans, exported over OTLP/HTTP. */
  OPENTELEMETRY("opentelemetry");

  private final String tritonName;

  TraceMode(String tritonName) {
    this.tritonName = tritonName;
  }

  /** The name in settings and options. */
  public String tritonName() {
    return tritonName;
  }

  /** Parses {@code triton} or {@code opentelemetry}. */
  public static TraceMode parse(String name) {
    for (TraceMode m : values()) {
      if (m.tritonName.equals(name)) return m;
    }
    throw new NereidException.InvalidArgument("unknown trace mode '" + name + "'; expected triton or opentelemetry");
  }
}
