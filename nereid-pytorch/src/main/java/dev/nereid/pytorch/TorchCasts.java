package dev.nereid.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * INT16 and BF16 input tensors. DJL's JNI aborts the whole process when asked to make a tensor of
 * either type, so the backend makes one of a wider type holding the same values (INT32, or FP32 whose
 * upper half is the BF16 bits) and narrows it inside libtorch with a small TorchScript module shipped in
 * this jar ({@code casts.pt}, made by src/main/python/generate_casts.py). Both narrowings are exact.
 * Outputs of these types need no help: DJL reads their bytes, it only cannot name their type.
 */
final class TorchCasts {
  private static PtSymbolBlock module;

  private TorchCasts() {}

  /** Whether DJL cannot make tensors of this type directly. */
  static boolean needed(DataType type) {
    return type == DataType.INT16 || type == DataType.BF16;
  }

  /** The tensor as a libtorch value of its own type, made through a wider tensor in {@code memory}. */
  static IValue narrow(Tensor tensor, PtNDManager memory) {
    ByteBuffer in = tensor.data();
    int count = (int) tensor.elementCount();
    ByteBuffer wide = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    boolean int16 = tensor.dataType() == DataType.INT16;
    for (int i = 0; i < count; i++) {
      short bits = in.getShort(i * 2);
      wide.putInt(i * 4, int16 ? bits : (bits & 0xffff) << 16);
    }
    PtNDArray array = JniUtils.createNdFromByteBuffer(memory, wide, new Shape(tensor.shape()),
        int16 ? ai.djl.ndarray.types.DataType.INT32 : ai.djl.ndarray.types.DataType.FLOAT32, SparseFormat.DENSE,
        Device.cpu());
    try (IValue wideValue = IValue.from(array)) {
      return IValueUtils.runMethod(module(), int16 ? "to_int16" : "to_bfloat16", wideValue);
    }
  }

  private static synchronized PtSymbolBlock module() {
    if (module == null) {
      try (InputStream in = TorchCasts.class.getResourceAsStream("casts.pt")) {
        if (in == null) throw new NereidException.Internal("casts.pt is missing from nereid-pytorch's jar");
        module = JniUtils.loadModule(TorchRuntime.manager(), in, false, false);
      } catch (IOException e) {
        throw new NereidException.Internal("cannot read casts.pt from nereid-pytorch's jar: " + e, e);
      }
    }
    return module;
  }
}
