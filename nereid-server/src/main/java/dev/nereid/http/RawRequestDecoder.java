package dev.nereid.http;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.Model;
import dev.nereid.ModelMetadata;
import dev.nereid.NereidException;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A raw binary request ({@code Inference-Header-Content-Length: 0}): the whole body is the one input
 * of a single-input model, its shape deduced from the model's dims with the batch dimension set to 1.
 * Triton's rules and messages: at most one variable dimension, and BYTES only for dims {@code [1]}.
 */
final class RawRequestDecoder {
  private RawRequestDecoder() {}

  /**
   * The request; its tensor is a view of {@code body} unless the input is BYTES. {@code release} is its
   * release callback.
   */
  static InferenceRequest decode(Model model, ByteBuf body, Runnable release) {
    ModelMetadata metadata = model.metadata();
    List<ModelMetadata.TensorMetadata> inputs = metadata.inputs();
    if (inputs.size() != 1) {
      throw new NereidException.InvalidArgument("Raw request must only have 1 input (found 1) to be deduced but got "
          + inputs.size() + " inputs in '" + model.name() + "' model configuration");
    }
    ModelMetadata.TensorMetadata input = inputs.get(0);
    DataType type = DataType.parse(input.datatype());
    boolean batching = model.supportsBatching();
    List<Long> dims = batching ? input.shape().subList(1, input.shape().size()) : input.shape();
    long[] shape = new long[dims.size() + (batching ? 1 : 0)];
    int offset = 0;
    if (batching) shape[offset++] = 1;
    int variable = -1;
    long fixedElements = 1;
    for (int i = 0; i < dims.size(); i++) {
      long d = dims.get(i);
      if (d < 0) {
        if (variable >= 0) {
          throw new NereidException.InvalidArgument("The shape of the raw input '" + input.name()
              + "' can not be deduced because there are more than one variable-sized dimension");
        }
        variable = offset + i;
      } else {
        fixedElements *= d;
      }
      shape[offset + i] = d;
    }
    int size = body.readableBytes();
    ByteBuffer data;
    if (type == DataType.BYTES) {
      if (variable >= 0 || fixedElements != 1) {
        throw new NereidException.InvalidArgument(
            "For BYTE datatype raw input '" + input.name() + "', the model must have input shape [1]");
      }
      // One element: Triton's encoding puts the element's length in front.
      data = ByteBuffer.allocateDirect(4 + size).order(ByteOrder.LITTLE_ENDIAN).putInt(size);
      data.put(body.nioBuffer(body.readerIndex(), size)).flip();
    } else {
      if (variable >= 0) {
        long perElement = fixedElements * type.byteSize();
        shape[variable] = perElement == 0 ? 0 : size / perElement;
      }
      data = body.nioBuffer(body.readerIndex(), size);
    }
    return InferenceRequest.builder()
        .input(input.name(), InferRequestDecoder.binaryTensor(model.name(), input.name(), type, shape, data))
        .releaseCallback(release)
        .build();
  }
}
