package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import dev.nereid.sharedmemory.SystemSharedMemory;
import io.netty.buffer.ByteBuf;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Reads a KServe v2 infer request: the JSON header (id, parameters, inputs, outputs) and, with the
 * binary tensor extension, the tensor bytes that follow it. Binary inputs become tensors over slices
 * of the request body without copying, so the body must outlive the request.
 */
final class InferRequestDecoder {
  /** A decoded request and how its outputs are to be returned. */
  record Decoded(InferenceRequest request, OutputSelection outputs) {}

  private InferRequestDecoder() {}

  /**
   * Decodes a request whose first {@code headerLength} bytes are JSON; the rest holds the binary
   * inputs in input order. A body with binary inputs must be one contiguous buffer. Tensors given as
   * JSON are written into buffers from {@code buffers}. {@code release} becomes the request's release
   * callback: the server runs it once no model reads the tensors any more.
   */
  static Decoded decode(String model, ByteBuf body, int headerLength, IntFunction<ByteBuffer> buffers,
      Runnable release, SystemSharedMemory regions) {
    int start = body.readerIndex();
    JsonNode root = Json.parse(body.slice(start, headerLength));
    if (!root.isObject()) {
      throw invalid("failed to parse the request JSON buffer: the request must be a JSON object");
    }
    InferenceRequest.Builder builder = InferenceRequest.builder().releaseCallback(release);
    JsonNode id = root.get("id");
    if (id != null) {
      if (!id.isTextual()) throw invalid("Unable to parse 'id'");
      builder.requestId(id.textValue());
    }
    boolean binaryByDefault = RequestParameters.apply(root.get("parameters"), builder);
    BinarySection binary = new BinarySection(model, body, start + headerLength, body.writerIndex());
    readInputs(model, root.get("inputs"), builder, binary, buffers, regions);
    if (binary.remaining() > 0) {
      throw invalid("unexpected additional input data for model '" + model + "'");
    }
    Map<String, OutputSelection.Requested> listed = readOutputs(root.get("outputs"), builder, regions);
    return new Decoded(builder.build(), new OutputSelection(binaryByDefault, listed));
  }

  private static void readInputs(String model, JsonNode inputs, InferenceRequest.Builder builder, BinarySection binary,
      IntFunction<ByteBuffer> buffers, SystemSharedMemory regions) {
    if (inputs == null || !inputs.isArray()) {
      throw invalid("Unable to parse 'inputs'");
    }
    Set<String> seen = new HashSet<>();
    for (JsonNode input : inputs) {
      if (!input.isObject()) throw invalid("Unable to parse 'inputs': each input must be a JSON object");
      JsonNode parameters = input.get("parameters");
      JsonNode binarySize = parameters != null && parameters.isObject() ? parameters.get("binary_data_size") : null;
      boolean sharedMemory = parameters != null && parameters.isObject() && parameters.has("shared_memory_region");
      checkOneSource(input.has("data"), binarySize != null, sharedMemory);
      String name = text(input, "name");
      DataType type = dataType(name, text(input, "datatype"));
      long[] shape = shape(input.get("shape"));
      if (!seen.add(name)) {
        throw invalid("input '" + name + "' already exists in request");
      }
      Tensor tensor;
      if (binarySize != null) {
        if (!binarySize.isIntegralNumber() || !binarySize.canConvertToLong() || binarySize.longValue() < 0) {
          throw invalid("Unable to parse 'binary_data_size'");
        }
        tensor = binaryTensor(model, name, type, shape, binary.take(name, binarySize.longValue()));
      } else if (sharedMemory) {
        tensor = binaryTensor(model, name, type, shape, SharedMemoryParameters.input(regions, name, parameters));
      } else {
        JsonNode data = input.get("data");
        if (!data.isArray()) throw invalid("Unable to parse 'data': input '" + name + "' needs an array");
        tensor = JsonTensors.read(name, type, shape, data, buffers);
      }
      builder.input(name, tensor);
    }
  }

  /** Wraps binary input bytes as a tensor, checking the size of fixed-size types as Triton words it. */
  static Tensor binaryTensor(String model, String name, DataType type, long[] shape, ByteBuffer bytes) {
    long count = JsonTensors.elementCount(name, shape);
    if (type.isFixedSize()) {
      long expected;
      try {
        expected = Math.multiplyExact(count, type.byteSize());
      } catch (ArithmeticException e) {
        throw invalid("byte size overflow for input '" + name + "' for model '" + model + "'");
      }
      if (expected != bytes.remaining()) {
        throw invalid("input byte size mismatch for input '" + name + "' for model '" + model + "'. Expected "
            + expected + ", got " + bytes.remaining());
      }
    }
    return Tensor.of(type, shape, bytes);
  }

  private static void checkOneSource(boolean data, boolean binary, boolean sharedMemory) {
    int set = (data ? 1 : 0) + (binary ? 1 : 0) + (sharedMemory ? 1 : 0);
    if (set == 1) return;
    StringBuilder message = new StringBuilder("Input must set only one of the following fields: 'data', "
        + "'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But");
    if (set == 0) {
      message.append(" no field is set");
    } else {
      message.append(" set");
      if (data) message.append(" 'data'");
      if (binary) message.append(" 'binary_data_size'");
      if (sharedMemory) message.append(" 'shared_memory_region'");
    }
    throw invalid(message.toString());
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) throw invalid("Unable to parse '" + field + "'");
    return value.textValue();
  }

  static DataType dataType(String input, String name) {
    try {
      DataType type = DataType.parse(name);
      if (!type.kserveName().equals(name)) throw new NereidException.InvalidArgument(name);
      return type;
    } catch (NereidException e) {
      throw invalid("invalid datatype '" + name + "' for input '" + input + "'");
    }
  }

  /**
   * Reads a shape. Every malformed shape is INVALID_ARGUMENT (400): it is the client's error. A negative
   * dimension keeps the message of Triton's JSON reader (which answers it with 500).
   */
  static long[] shape(JsonNode shape) {
    if (shape == null || !shape.isArray()) throw invalid("Unable to parse 'shape'");
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shape.get(i);
      if (!d.isIntegralNumber()) throw invalid("Unable to parse 'shape': dimension " + d + " is not an integer");
      if (d.bigIntegerValue().signum() < 0) {
        throw invalid(
            "Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer");
      }
      if (!d.canConvertToLong()) throw invalid("Unable to parse 'shape': dimension " + d + " is too large");
      dims[i] = d.longValue();
    }
    return dims;
  }

  private static Map<String, OutputSelection.Requested> readOutputs(JsonNode outputs, InferenceRequest.Builder builder,
      SystemSharedMemory regions) {
    Map<String, OutputSelection.Requested> listed = new LinkedHashMap<>();
    if (outputs == null) return listed;
    if (!outputs.isArray()) throw invalid("Unable to parse 'outputs'");
    for (JsonNode output : outputs) {
      if (!output.isObject()) throw invalid("Unable to parse 'outputs': each output must be a JSON object");
      String name = text(output, "name");
      boolean binary = false;
      int classification = 0;
      SharedMemoryOutput sharedMemory = null;
      JsonNode parameters = output.get("parameters");
      if (parameters != null && parameters.isObject()) {
        if (parameters.has("shared_memory_region")) {
          sharedMemory = SharedMemoryParameters.output(regions, name, parameters);
        }
        JsonNode b = parameters.get("binary_data");
        if (b != null) {
          if (!b.isBoolean()) throw invalid("Unable to parse 'binary_data'");
          binary = b.booleanValue();
        }
        JsonNode c = parameters.get("classification");
        if (c != null) {
          if (!c.isIntegralNumber() || !c.canConvertToInt() || c.intValue() < 0) {
            throw invalid("Unable to set 'classification'");
          }
          classification = c.intValue();
        }
      }
      if (listed.putIfAbsent(name, new OutputSelection.Requested(binary, classification, sharedMemory)) != null) {
        throw invalid("output '" + name + "' already exists in request");
      }
      builder.output(name);
    }
    return listed;
  }

  /** The binary tensor bytes after the JSON header, handed out input by input. */
  private static final class BinarySection {
    private final String model;
    private final ByteBuf body;
    private int position;
    private final int end;

    BinarySection(String model, ByteBuf body, int position, int end) {
      this.model = model;
      this.body = body;
      this.position = position;
      this.end = end;
    }

    int remaining() {
      return end - position;
    }

    ByteBuffer take(String input, long size) {
      if (size > remaining()) {
        throw invalid("unexpected size for input '" + input + "', expecting " + (size - remaining())
            + " additional bytes for model '" + model + "'");
      }
      ByteBuffer slice = body.nioBuffer(position, (int) size);
      position += (int) size;
      return slice;
    }
  }

  static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }

  /** Request parameters: the reserved keys Triton types, and everything else passed to the model. */
  static final class RequestParameters {
    private RequestParameters() {}

    /**
     * Applies a request's {@code parameters} object to the builder.
     *
     * @return the request-level {@code binary_data_output} (false when absent)
     */
    static boolean apply(JsonNode parameters, InferenceRequest.Builder builder) {
      if (parameters == null) return false;
      if (!parameters.isObject()) throw invalid("failed to get request params.");
      boolean binaryOutput = false;
      for (Map.Entry<String, JsonNode> p : parameters.properties()) {
        String key = p.getKey();
        JsonNode value = p.getValue();
        switch (key) {
          case "sequence_id" -> sequenceId(value, builder);
          case "sequence_start" -> builder.sequenceStart(bool(key, value));
          case "sequence_end" -> builder.sequenceEnd(bool(key, value));
          case "priority" -> builder.priority(unsigned(key, value));
          case "timeout" -> builder.timeoutMicros(unsigned(key, value));
          case "binary_data_output" -> binaryOutput = bool(key, value);
          default -> {
            if (key.startsWith("triton_")) {
              throw invalid("parameter keys starting with 'triton_' are reserved for Triton usage and should not be"
                  + " specified.");
            }
            passThrough(key, value, builder);
          }
        }
      }
      return binaryOutput;
    }

    /** Sets a model parameter from a JSON string, integer, boolean or number. */
    static void passThrough(String key, JsonNode value, InferenceRequest.Builder builder) {
      if (value.isTextual()) {
        builder.parameter(key, value.textValue());
      } else if (value.isIntegralNumber() && value.canConvertToLong()) {
        builder.parameter(key, value.longValue());
      } else if (value.isBoolean()) {
        builder.parameter(key, value.booleanValue());
      } else if (value.isNumber()) {
        builder.parameter(key, value.doubleValue());
      } else {
        throw invalid("parameter '" + key + "' has invalid type. It should be either 'int', 'bool', or 'string'.");
      }
    }

    private static void sequenceId(JsonNode value, InferenceRequest.Builder builder) {
      if (value.isIntegralNumber()) {
        BigInteger id = value.bigIntegerValue();
        if (id.signum() >= 0 && id.bitLength() <= 64) {
          builder.correlationId(id.longValue());
          return;
        }
      } else if (value.isTextual()) {
        builder.correlationId(value.textValue());
        return;
      }
      throw invalid("Unable to parse 'sequence_id'");
    }

    private static boolean bool(String key, JsonNode value) {
      if (!value.isBoolean()) throw invalid("Unable to parse '" + key + "'");
      return value.booleanValue();
    }

    private static long unsigned(String key, JsonNode value) {
      if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
        throw invalid("Unable to parse '" + key + "'");
      }
      return value.longValue();
    }
  }
}
