package dev.nereid.frontend;

import dev.nereid.NereidException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The groups of protocol endpoints that can be restricted to callers carrying a header, with the
 * names Triton's {@code --http-restricted-api} and {@code --grpc-restricted-api} flags use.
 */
public enum ApiCategory {
  /** Server and model liveness and readiness. */
  HEALTH("health"),
  /** Server and model metadata. */
  METADATA("metadata"),
  /** Inference: infer, generate, generate_stream, stream infer. */
  INFERENCE("inference"),
  /** System and CUDA shared-memory registration. */
  SHARED_MEMORY("shared-memory"),
  /** Model configuration. */
  MODEL_CONFIG("model-config"),
  /** Repository index, model load and unload. */
  MODEL_REPOSITORY("model-repository"),
  /** Model statistics. */
  STATISTICS("statistics"),
  /** Trace settings. */
  TRACE("trace"),
  /** Log settings. */
  LOGGING("logging");

  private final String flagName;

  ApiCategory(String flagName) {
    this.flagName = flagName;
  }

  /** The name used on the command line, e.g. {@code model-repository}. */
  public String flagName() {
    return flagName;
  }

  /**
   * The category with this command-line name.
   *
   * @throws NereidException.InvalidArgument naming the unknown category and the known ones
   */
  public static ApiCategory fromFlagName(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    for (ApiCategory c : values()) {
      if (c.flagName.equals(wanted)) return c;
    }
    throw new NereidException.InvalidArgument("unknown restricted api '" + name + "'; known apis: "
        + Arrays.stream(values()).map(ApiCategory::flagName).collect(Collectors.joining(", ")));
  }
}
