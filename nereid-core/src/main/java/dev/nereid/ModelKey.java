package dev.nereid;

import java.util.Comparator;

/**
 * A model name and version: the key of the repository index. Version -1 stands for a model the
 * repository holds but that has no loaded version.
 */
public record ModelKey(String name, long version) implements Comparable<ModelKey> {
  private static final Comparator<ModelKey> ORDER =
      Comparator.comparing(ModelKey::name).thenComparingLong(ModelKey::version);

  @Override
  public int compareTo(ModelKey other) {
    return ORDER.compare(this, other);
  }
}
