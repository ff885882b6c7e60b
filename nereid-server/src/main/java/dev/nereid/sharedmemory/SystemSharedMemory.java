package dev.nereid.sharedmemory;

import dev.nereid.NereidException;
import dev.nereid.Server;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system shared-memory regions registered with a server, as Triton's shared memory manager keeps
 * them: each a named window ({@code offset}, {@code byte_size}) of a POSIX shared-memory object,
 * mapped once when registered. Requests get views of the mapping, never copies.
 *
 * <p>Unregistering forgets a region at once; its mapping lives on while a request still holds a view
 * of it (the JVM unmaps a mapped buffer once nothing refers to it), so a request in flight never reads
 * unmapped memory. Thread-safe.
 */
public final class SystemSharedMemory {
  private static final Logger log = LoggerFactory.getLogger(SystemSharedMemory.class);
  private static final Path DEV_SHM = Path.of("/dev/shm");
  private static final Map<Server, SystemSharedMemory> BY_SERVER = new WeakHashMap<>();

  /** A registered region as the status endpoints report it. */
  public record RegionStatus(String name, String key, long offset, long byteSize) {}

  private record Region(RegionStatus status, MappedByteBuffer mapping) {}

  private final Path root;
  private final Map<String, Region> regions = new LinkedHashMap<>();

  private SystemSharedMemory(Path root) {
    this.root = root;
  }

  /** An empty registry over the machine's POSIX shared memory ({@code /dev/shm}). */
  public static SystemSharedMemory create() {
    return new SystemSharedMemory(DEV_SHM);
  }

  /**
   * The registry of a server, which its HTTP and gRPC front ends share: a region registered over HTTP
   * serves gRPC requests too, as in Triton, where one manager serves both.
   */
  public static SystemSharedMemory of(Server server) {
    Objects.requireNonNull(server, "server");
    synchronized (BY_SERVER) {
      return BY_SERVER.computeIfAbsent(server, s -> create());
    }
  }

  /**
   * Registers a region: {@code byteSize} bytes from {@code offset} of the shared-memory object
   * {@code key} (as passed to {@code shm_open}, e.g. {@code /input_data}).
   *
   * @throws NereidException.AlreadyExists when the name is taken
   * @throws NereidException.Internal when the object cannot be opened
   * @throws NereidException.InvalidArgument when the window does not fit the object
   */
  public void register(String name, String key, long offset, long byteSize) {
    if (name.isEmpty()) throw new NereidException.InvalidArgument("shared memory region name must not be empty");
    Path file = file(key);
    synchronized (regions) {
      if (regions.containsKey(name)) {
        throw new NereidException.AlreadyExists("shared memory region '" + name + "' already in manager");
      }
      MappedByteBuffer mapping = map(name, key, file, offset, byteSize);
      regions.put(name, new Region(new RegionStatus(name, key, offset, byteSize), mapping));
    }
    log.debug("registered system shared memory region '{}': key '{}', offset {}, {} bytes", name, key, offset, byteSize);
  }

  private static MappedByteBuffer map(String name, String key, Path file, long offset, long byteSize) {
    if (offset < 0 || byteSize < 0) {
      throw new NereidException.InvalidArgument("failed to register shared memory region '" + name + "': invalid args");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      if (offset + byteSize > channel.size() || offset + byteSize < 0) {
        throw new NereidException.InvalidArgument("failed to register shared memory region '" + name + "': invalid args");
      }
      if (byteSize > Integer.MAX_VALUE) {
        throw new NereidException.Unsupported("failed to register shared memory region '" + name + "': " + byteSize
            + " bytes is more than the " + Integer.MAX_VALUE + " a region may hold");
      }
      return channel.map(FileChannel.MapMode.READ_WRITE, offset, byteSize);
    } catch (NoSuchFileException e) {
      throw new NereidException.Internal("Unable to open shared memory region: '" + key + "'");
    } catch (IOException e) {
      throw new NereidException.Internal("Unable to open shared memory region: '" + key + "': " + e.getMessage(), e);
    }
  }

  /** The file of a POSIX shared-memory name: one path component under /dev/shm, as shm_open allows. */
  private Path file(String key) {
    String bare = key.startsWith("/") ? key.substring(1) : key;
    if (bare.isEmpty() || bare.contains("/") || bare.equals(".") || bare.equals("..")) {
      throw new NereidException.InvalidArgument("invalid shared memory key '" + key
          + "': expected a POSIX shared memory name such as '/my_region' (one name, no further '/')");
    }
    return root.resolve(bare);
  }

  /** Unregisters a region; an unknown name is not an error, as in Triton. */
  public void unregister(String name) {
    synchronized (regions) {
      if (regions.remove(name) != null) log.debug("unregistered system shared memory region '{}'", name);
    }
  }

  /** Unregisters every region. */
  public void unregisterAll() {
    synchronized (regions) {
      regions.clear();
    }
  }

  /**
   * The status of one region, or of all of them when {@code name} is empty.
   *
   * @throws NereidException.NotFound when the named region is not registered
   */
  public List<RegionStatus> status(String name) {
    synchronized (regions) {
      if (name.isEmpty()) {
        List<RegionStatus> all = new ArrayList<>(regions.size());
        regions.values().forEach(r -> all.add(r.status()));
        return all;
      }
      Region r = regions.get(name);
      if (r == null) throw new NereidException.NotFound("Unable to find system shared memory region: '" + name + "'");
      return List.of(r.status());
    }
  }

  /**
   * A view of {@code byteSize} bytes from {@code offset} of a region, with Triton's errors: the
   * memory an input is read from or an output written to.
   *
   * @throws NereidException.NotFound when the region is not registered
   * @throws NereidException.InvalidArgument when the range does not lie within the region
   */
  public ByteBuffer view(String name, long offset, long byteSize) {
    Region r;
    synchronized (regions) {
      r = regions.get(name);
    }
    if (r == null) throw new NereidException.NotFound("Unable to find shared memory region: '" + name + "'");
    long size = r.status().byteSize();
    if (offset < 0 || (size > 0 && offset >= size)) {
      throw new NereidException.InvalidArgument("Invalid offset for shared memory region: '" + name + "'");
    }
    if (byteSize < 0 || offset + byteSize > size) {
      throw new NereidException.InvalidArgument("Invalid offset + byte size for shared memory region: '" + name + "'");
    }
    return r.mapping().slice((int) offset, (int) byteSize);
  }
}
