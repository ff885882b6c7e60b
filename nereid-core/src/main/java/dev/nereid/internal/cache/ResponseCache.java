package dev.nereid.internal.cache;

import dev.nereid.Tensor;
import dev.nereid.internal.tensor.ArrayCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Triton's response cache: final responses of models with {@code response_cache { enable: true }},
 * keyed by a SHA-256 of the model, version, inputs and requested outputs, evicted least recently used
 * first when the cached bytes exceed the server's cache size. Entries hold their own read-only copies
 * of the outputs, so neither the caller who produced one nor those who receive it can change it.
 */
public final class ResponseCache {
  /** A 256-bit digest of everything that decides a response. */
  public record Key(long a, long b, long c, long d) {}

  private record Entry(Map<String, Tensor> outputs, long bytes) {}

  private final long capacityBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long usedBytes;

  public ResponseCache(long capacityBytes) {
    this.capacityBytes = capacityBytes;
  }

  /** The key of a request: model, version, inputs by name, and the outputs asked for. */
  public static Key key(String model, long version, Map<String, Tensor> inputs, Iterable<String> requestedOutputs) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    sha.update(model.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(ByteBuffer.allocate(8).putLong(0, version));
    for (Map.Entry<String, Tensor> e : new TreeMap<>(inputs).entrySet()) {
      Tensor t = e.getValue();
      sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update((byte) t.dataType().ordinal());
      ByteBuffer shape = ByteBuffer.allocate(8 * (t.rank() + 1)).putLong(t.rank());
      for (int i = 0; i < t.rank(); i++) shape.putLong(t.dim(i));
      sha.update(shape.flip());
      sha.update(t.data());
    }
    for (String output : new java.util.TreeSet<String>(toCollection(requestedOutputs))) {
      sha.update((byte) 1);
      sha.update(output.getBytes(StandardCharsets.UTF_8));
    }
    ByteBuffer d = ByteBuffer.wrap(sha.digest());
    return new Key(d.getLong(), d.getLong(), d.getLong(), d.getLong());
  }

  private static java.util.Collection<String> toCollection(Iterable<String> names) {
    java.util.List<String> list = new java.util.ArrayList<>();
    names.forEach(list::add);
    return list;
  }

  /** The cached outputs for this key, or null; a hit becomes the most recently used entry. */
  public Map<String, Tensor> get(Key key) {
    lock.lock();
    try {
      Entry e = entries.get(key);
      return e == null ? null : e.outputs();
    } finally {
      lock.unlock();
    }
  }

  /** Caches a copy of these outputs; an entry larger than the whole cache is not kept. */
  public void put(Key key, Map<String, Tensor> outputs) {
    long bytes = 0;
    for (Tensor t : outputs.values()) bytes += t.byteSize();
    if (bytes > capacityBytes) {
      return;
    }
    Map<String, Tensor> copy = new LinkedHashMap<>();
    outputs.forEach((name, t) -> copy.put(name, ArrayCodec.copyOf(t, true)));
    lock.lock();
    try {
      Entry previous = entries.put(key, new Entry(java.util.Collections.unmodifiableMap(copy), bytes));
      if (previous != null) usedBytes -= previous.bytes();
      usedBytes += bytes;
      var it = entries.entrySet().iterator();
      while (usedBytes > capacityBytes && it.hasNext()) {
        usedBytes -= it.next().getValue().bytes();
        it.remove();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Bytes held now. */
  public long usedBytes() {
    lock.lock();
    try {
      return usedBytes;
    } finally {
      lock.unlock();
    }
  }
}
