package dev.nereid.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.tensor.Shapes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves tensors across the ORT boundary.
 *
 * <p>Inputs: a tensor whose data is a direct buffer is handed to ORT as it is, without a copy (ORT
 * reads the caller's memory during the run, which is why inputs are borrowed until the request
 * completes). A heap-backed tensor is copied once into a direct buffer first. BYTES tensors become
 * ORT string tensors, element by element; ORT's Java API carries strings, not raw bytes, so an element
 * that is not valid UTF-8 is refused rather than altered.
 *
 * <p>Outputs: ORT owns the memory of what a run returns and frees it when the result is closed, so
 * each output is copied once, straight from ORT's memory into memory the batch lends
 * ({@code Batch.newOutput}), which the server recycles when the responses are closed.
 */
final class OrtTensors {
  private OrtTensors() {}

  /** An ORT tensor over {@code tensor}'s data, shaped {@code shape}; close it after the run. */
  static OnnxTensor toOrt(OrtEnvironment env, Tensor tensor, long[] shape) throws OrtException {
    DataType type = tensor.dataType();
    if (type == DataType.BYTES) {
      return OnnxTensor.createTensor(env, utf8Strings(tensor), shape);
    }
    ByteBuffer data = tensor.data();
    if (!data.isDirect()) {
      data = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN).put(data).flip();
    }
    OnnxJavaType carrier = OrtTypes.javaType(type);
    if (carrier == null) {
      return OrtInternals.unsignedTensor(env, data, shape, OrtTypes.signedCarrier(type),
          OrtTypes.unsignedTensorType(type));
    }
    return OnnxTensor.createTensor(env, data, shape, carrier);
  }

  /** A BYTES output as a Nereid tensor shaped {@code shape}, its strings encoded as UTF-8. */
  static Tensor bytesFromOrt(OnnxTensor value, long[] shape) throws OrtException {
    List<byte[]> elements = new ArrayList<>();
    flattenStrings(value.getValue(), elements);
    return Tensor.ofBytes(elements.toArray(new byte[0][]), shape);
  }

  /**
   * Copies a fixed-size ORT output into {@code destination}, a tensor of the same byte size (its shape
   * may differ), and returns it.
   */
  static Tensor copyInto(OnnxTensor value, Tensor destination) throws OrtException {
    long bytes = destination.byteSize();
    if (bytes > 0) {
      ByteBuffer source = OrtInternals.available() ? OrtInternals.view(value) : value.getByteBuffer();
      destination.data().put(source.limit(Math.toIntExact(bytes)));
    }
    return destination;
  }

  /**
   * The elements of a BYTES tensor as strings, refusing bytes that are not UTF-8: ORT's Java API carries
   * string tensors as Java strings, so such bytes could not reach the model unchanged.
   */
  private static String[] utf8Strings(Tensor tensor) {
    byte[][] elements = tensor.toByteArrays();
    String[] strings = new String[elements.length];
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    for (int i = 0; i < elements.length; i++) {
      try {
        strings[i] = decoder.decode(ByteBuffer.wrap(elements[i])).toString();
      } catch (CharacterCodingException e) {
        throw new NereidException.InvalidArgument("BYTES element " + i + " is not valid UTF-8; ONNX Runtime's Java "
            + "API passes string tensors as text, so it cannot carry these bytes unchanged");
      }
    }
    return strings;
  }

  /** The shape ORT reports for an output. */
  static long[] shapeOf(OnnxTensor value) {
    TensorInfo info = value.getInfo();
    return info.getShape();
  }

  private static void flattenStrings(Object value, List<byte[]> into) {
    if (value instanceof String s) {
      into.add(s.getBytes(StandardCharsets.UTF_8));
    } else if (value instanceof Object[] array) {
      for (Object element : array) flattenStrings(element, into);
    } else {
      throw new IllegalStateException("unexpected string tensor element " + value);
    }
  }
}
