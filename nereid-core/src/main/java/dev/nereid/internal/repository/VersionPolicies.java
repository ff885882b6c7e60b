package dev.nereid.internal.repository;

import dev.nereid.proto.ModelVersionPolicy;
import java.util.List;

/** Applies a config's {@code version_policy} to the version folders present. */
public final class VersionPolicies {
  private VersionPolicies() {}

  /** The versions to load, ascending: the latest N (default 1), all, or the specific ones present. */
  public static List<Long> select(ModelVersionPolicy policy, List<Long> available) {
    if (policy.hasAll()) {
      return available;
    }
    if (policy.hasSpecific()) {
      return available.stream().filter(policy.getSpecific().getVersionsList()::contains).toList();
    }
    int n = policy.hasLatest() ? (int) Math.max(1, policy.getLatest().getNumVersions()) : 1;
    return available.subList(Math.max(0, available.size() - n), available.size());
  }
}
