package dev.nereid.sharedmemory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * What a Triton client's {@code shared_memory.create_shared_memory_region} does: a new POSIX
 * shared-memory object of a given size, mapped into this process; closing it unlinks the object.
 * Each gets a fresh name, so concurrent builds never share one.
 */
public final class ClientRegion implements AutoCloseable {
  private final String key;
  private final Path file;
  private final MappedByteBuffer memory;

  private ClientRegion(String key, Path file, MappedByteBuffer memory) {
    this.key = key;
    this.file = file;
    this.memory = memory;
  }

  /** Creates and maps a region of {@code size} bytes, zero-filled. */
  public static ClientRegion create(long size) {
    String name = "nereid-test-" + UUID.randomUUID();
    Path file = Path.of("/dev/shm", name);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      channel.truncate(size);
      channel.write(java.nio.ByteBuffer.allocate(1), size - 1); // sets the size, as ftruncate does
      MappedByteBuffer memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
      memory.order(ByteOrder.LITTLE_ENDIAN);
      return new ClientRegion("/" + name, file, memory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The key to register, as {@code shm_open} takes it: {@code /name}. */
  public String key() {
    return key;
  }

  /** The client's mapping of the region (little-endian). */
  public MappedByteBuffer memory() {
    return memory;
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
