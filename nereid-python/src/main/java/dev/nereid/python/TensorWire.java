package dev.nereid.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Tensors in frames: a descriptor per tensor ({@code name, dtype, shape, len}, then either {@code off}
 * into the frame's payload, or {@code shm} and {@code off} into a shared-memory segment). Tensors up to
 * {@link #INLINE_LIMIT} bytes go inline; larger ones are written once into a segment.
 */
final class TensorWire {
  /** The largest tensor sent through the socket; the stub uses the same limit. */
  static final int INLINE_LIMIT = 64 * 1024;

  private TensorWire() {}

  /** Where one frame's payload parts and segments are gathered while its tensors are encoded. */
  static final class Writer {
    final List<ByteBuffer> payload;
    final List<SharedMemory.Segment> segments;
    private final SharedMemory shm;
    private long offset;

    Writer(SharedMemory shm, List<ByteBuffer> payload, List<SharedMemory.Segment> segments) {
      this.shm = shm;
      this.payload = payload;
      this.segments = segments;
    }

    ArrayNode encode(ArrayNode into, Map<String, Tensor> tensors) throws IOException {
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        into.add(encode(e.getKey(), e.getValue()));
      }
      return into;
    }

    ObjectNode encode(String name, Tensor tensor) throws IOException {
      ObjectNode desc = FrameChannel.JSON.createObjectNode();
      desc.put("name", name);
      desc.put("dtype", tensor.dataType().kserveName());
      ArrayNode shape = desc.putArray("shape");
      for (long d : tensor.shape()) shape.add(d);
      long length = tensor.byteSize();
      desc.put("len", length);
      ByteBuffer data = tensor.data();
      if (length > INLINE_LIMIT) {
        SharedMemory.Segment segment = shm.allocate(length);
        segments.add(segment);
        segment.map().duplicate().clear().put(data);
        desc.put("shm", segment.path().toString());
        desc.put("off", 0);
      } else {
        desc.put("off", offset);
        payload.add(data);
        offset += length;
      }
      return desc;
    }
  }

  /**
   * The tensor a descriptor names. Inline tensors share the frame's payload; a tensor in shared
   * memory is copied into a new direct buffer when {@code copy}, else shares the segment.
   */
  static Tensor decode(JsonNode desc, ByteBuffer payload, SharedMemory shm, boolean copy) throws IOException {
    String name = desc.path("name").asText();
    DataType type;
    try {
      type = DataType.parse(desc.path("dtype").asText());
    } catch (NereidException e) {
      throw new NereidException.Internal("tensor '" + name + "': " + e.getMessage());
    }
    JsonNode dims = desc.path("shape");
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) shape[i] = dims.get(i).asLong();
    int off = desc.path("off").asInt();
    int length = desc.path("len").asInt();
    ByteBuffer data;
    if (desc.has("shm")) {
      ByteBuffer segment = shm.map(desc.get("shm").asText());
      ByteBuffer view = segment.slice(off, length);
      if (copy) {
        // A heap buffer: a new direct buffer of this size costs a page fault per 4 KiB on every call
        // (measured 90-160 ms for 64 MiB here, against 1-10 ms for a heap array once the heap is warm).
        data = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN).put(view).flip();
      } else {
        data = view;
      }
    } else {
      data = payload.slice(off, length);
    }
    return Tensor.of(type, shape, data);
  }
}
