package dev.nereid.logging;

import dev.nereid.NereidException;

/** How a log line starts, by Triton's {@code --log-format} names. */
public enum LogFormat {
  /** glog's {@code Immdd hh:mm:ss.uuuuuu threadid source] message}. */
  DEFAULT("default"),
  /** {@code YYYY-MM-DDThh:mm:ssZ L threadid source] message}. */
  ISO8601("ISO8601");

  private final String tritonName;

  LogFormat(String tritonName) {
    this.tritonName = tritonName;
  }

  /** The name Triton's options and settings use. */
  public String tritonName() {
    return tritonName;
  }

  /**
   * Parses Triton's name: {@code default} or {@code ISO8601}.
   *
   * @throws NereidException.InvalidArgument for anything else
   */
  public static LogFormat parse(String name) {
    for (LogFormat f : values()) {
      if (f.tritonName.equals(name)) return f;
    }
    throw new NereidException.InvalidArgument("invalid argument for log_format, got: " + name);
  }
}
