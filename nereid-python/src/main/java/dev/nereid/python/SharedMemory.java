package dev.nereid.python;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The shared-memory segments of one stub: files in a folder such as {@code /dev/shm}, mapped by both
 * processes, that carry tensors too large to send through the socket. Segments this side writes (its
 * own) come from a pool and go back to it when the stub is done with them; the stub's segments are
 * mapped on first use. Segments are kept for the stub's life, so a steady stream of large tensors
 * reuses the same memory, and every file of the stub (both sides' segments) is deleted on close.
 */
final class SharedMemory implements AutoCloseable {
  private static final long MIN_SEGMENT = 1 << 20;

  /** A segment this side owns. */
  record Segment(Path path, MappedByteBuffer map) {
    long size() {
      return map.capacity();
    }
  }

  private final Path folder;
  private final String prefix;
  private final AtomicInteger counter = new AtomicInteger();
  private final List<Segment> free = new ArrayList<>();
  private final Map<String, Segment> own = new ConcurrentHashMap<>();
  private final Map<String, MappedByteBuffer> peer = new ConcurrentHashMap<>();

  SharedMemory(Path folder, String prefix) {
    this.folder = folder;
    this.prefix = prefix;
  }

  Path folder() {
    return folder;
  }

  String prefix() {
    return prefix;
  }

  /** A free segment of at least {@code bytes}: a pooled one, or a new file. */
  Segment allocate(long bytes) throws IOException {
    if (bytes > Integer.MAX_VALUE) {
      throw new IOException("a tensor of " + bytes + " bytes is over the 2 GiB shared-memory segment limit");
    }
    synchronized (free) {
      Segment best = null;
      for (Segment s : free) {
        if (s.size() >= bytes && (best == null || s.size() < best.size())) best = s;
      }
      if (best != null) {
        free.remove(best);
        return best;
      }
    }
    long size = Math.max(MIN_SEGMENT, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
    size = Math.min(size, Integer.MAX_VALUE);
    Path path = folder.resolve(prefix + "-j" + counter.getAndIncrement());
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      ch.truncate(size);
      ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      map.order(ByteOrder.LITTLE_ENDIAN);
      Segment segment = new Segment(path, map);
      own.put(path.toString(), segment);
      return segment;
    }
  }

  /** Returns one of this side's segments to the pool. */
  void release(Segment segment) {
    synchronized (free) {
      if (!free.contains(segment)) free.add(segment);
    }
  }

  /** Returns the segment at this path to the pool, if it is one of this side's. */
  void release(String path) {
    Segment s = own.get(path);
    if (s != null) release(s);
  }

  /** Whether the path names a segment this side owns. */
  boolean owns(String path) {
    return own.containsKey(path);
  }

  /** The mapping of a segment at this path: one of ours, or the stub's (mapped on first use). */
  ByteBuffer map(String path) throws IOException {
    Segment mine = own.get(path);
    if (mine != null) return mine.map;
    Path p = Path.of(path);
    if (!p.startsWith(folder) || !p.getFileName().toString().startsWith(prefix + "-")) {
      throw new IOException("the stub named a segment outside its folder: " + path);
    }
    MappedByteBuffer m = peer.get(path);
    if (m == null) {
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        m = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
      }
      MappedByteBuffer raced = peer.putIfAbsent(path, m);
      if (raced != null) m = raced;
    }
    return m;
  }

  /** Deletes every segment file of the stub, both sides'. Mappings go with the garbage collector. */
  @Override
  public void close() {
    try (Stream<Path> files = Files.list(folder)) {
      files.filter(f -> f.getFileName().toString().startsWith(prefix + "-")).forEach(f -> {
        try {
          Files.deleteIfExists(f);
        } catch (IOException ignored) {
          // Gone already, or not ours to delete: nothing to do.
        }
      });
    } catch (IOException ignored) {
      // The folder is gone: so are the segments.
    }
    own.clear();
    peer.clear();
    synchronized (free) {
      free.clear();
    }
  }
}
