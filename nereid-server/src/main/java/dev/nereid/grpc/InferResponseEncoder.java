package dev.nereid.grpc;

import com.google.protobuf.UnsafeByteOperations;
import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.grpc.proto.InferParameter;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns an {@link InferenceResponse} into a {@link ModelInferResponse}. Outputs always travel in
 * {@code raw_output_contents}, as Triton sends them and every client reads them; each entry wraps the
 * output tensor's buffer without copying it, or is copied straight from it into the transport.
 */
final class InferResponseEncoder {
  /** Response parameter that marks the last response of a request on a stream. */
  static final String FINAL_RESPONSE = "triton_final_response";

  private InferResponseEncoder() {}

  /**
   * The response as a message. Outputs written into shared memory ({@code sharedMemory}, by name) keep
   * their place in {@code raw_output_contents} with an empty entry, so clients that match entries to
   * outputs by position still find the others.
   */
  static ModelInferResponse encode(InferenceResponse response, Map<String, SharedMemoryOutput> sharedMemory) {
    return withRawContents(header(response, sharedMemory), response, sharedMemory);
  }

  /** The response as the stream a unary call writes: outputs copied once, straight from the tensors' memory. */
  static ResponseStream encodeStream(InferenceResponse response, Map<String, SharedMemoryOutput> sharedMemory) {
    List<ByteBuffer> raw = new ArrayList<>(response.outputs().size());
    ModelInferResponse header = header(response, sharedMemory).build();
    response.outputs().forEach((name, tensor) -> raw.add(sharedMemory.containsKey(name) ? EMPTY : tensor.data()));
    return new ResponseStream(header, raw);
  }

  /** The encoded response, flagged with {@code triton_final_response} as a stream sends it on request. */
  static ModelInferResponse encodeFlagged(InferenceResponse response, Map<String, SharedMemoryOutput> sharedMemory) {
    return withRawContents(header(response, sharedMemory)
        .putParameters(FINAL_RESPONSE, InferParameter.newBuilder().setBoolParam(response.isFinal()).build()), response,
        sharedMemory);
  }

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private static ModelInferResponse withRawContents(ModelInferResponse.Builder b, InferenceResponse response,
      Map<String, SharedMemoryOutput> sharedMemory) {
    response.outputs().forEach((name, tensor) -> b.addRawOutputContents(
        UnsafeByteOperations.unsafeWrap(sharedMemory.containsKey(name) ? EMPTY : tensor.data())));
    return b.build();
  }

  /**
   * Everything but {@code raw_output_contents}, which follow in the order of {@code response.outputs()};
   * outputs asked for in shared memory are written there first.
   */
  private static ModelInferResponse.Builder header(InferenceResponse response, Map<String, SharedMemoryOutput> sharedMemory) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(response.model())
        .setModelVersion(Long.toString(response.modelVersion()))
        .setId(response.requestId());
    response.parameters().forEach((key, value) -> b.putParameters(key, parameter(value)));
    long total = 0;
    for (Map.Entry<String, Tensor> e : response.outputs().entrySet()) {
      Tensor tensor = e.getValue();
      ModelInferResponse.InferOutputTensor.Builder output = b.addOutputsBuilder()
          .setName(e.getKey())
          .setDatatype(tensor.dataType().kserveName());
      for (int i = 0; i < tensor.rank(); i++) {
        output.addShape(tensor.dim(i));
      }
      SharedMemoryOutput target = sharedMemory.get(e.getKey());
      if (target != null) {
        output.putParameters(SharedMemoryParameters.REGION, InferParameter.newBuilder().setStringParam(target.region()).build());
        output.putParameters("shared_memory_byte_size",
            InferParameter.newBuilder().setInt64Param(target.write(e.getKey(), tensor)).build());
        continue;
      }
      total += tensor.byteSize();
    }
    if (total > Integer.MAX_VALUE) {
      throw new NereidException.InvalidArgument("Response has byte size " + total
          + " which exceeds gRPC's byte size limit " + Integer.MAX_VALUE + ".");
    }
    return b;
  }

  private static InferParameter parameter(Object value) {
    InferParameter.Builder p = InferParameter.newBuilder();
    if (value instanceof Boolean v) {
      p.setBoolParam(v);
    } else if (value instanceof Double || value instanceof Float) {
      p.setDoubleParam(((Number) value).doubleValue());
    } else if (value instanceof Number n) {
      p.setInt64Param(n.longValue());
    } else {
      p.setStringParam(String.valueOf(value));
    }
    return p.build();
  }
}
