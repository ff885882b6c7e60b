package dev.nereid.grpc;

import dev.nereid.NereidException;

/** The protocol's version strings: empty for "the version the policy serves", else a number. */
final class ModelVersions {
  private ModelVersions() {}

  /** The version as the core's API takes it, -1 for empty; Triton's messages for bad strings. */
  static long parse(String version) {
    if (version.isEmpty()) {
      return -1;
    }
    long parsed;
    try {
      parsed = Long.parseLong(version);
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument("failed to get model version from specified version string '" + version
          + "' (details: not an integer), version should be an integral value > 0");
    }
    if (parsed < 0) {
      throw new NereidException.InvalidArgument(
          "invalid model version specified '" + version + "' , version should be an integral value > 0");
    }
    return parsed;
  }
}
