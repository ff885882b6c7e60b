package dev.nereid.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * libtorch called directly, as a user without Nereid would: the reference the backend's outputs are
 * compared with, byte for byte. It shares nothing with the backend but DJL's JNI.
 */
final class DirectTorch implements AutoCloseable {
  private final PtNDManager manager;
  private final PtSymbolBlock module;

  DirectTorch(Path file) {
    System.setProperty("ai.djl.offline", "true");
    this.manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
    this.module = JniUtils.loadModule(manager, file, false, new String[0], new String[0], false);
  }

  /**
   * Runs forward on these tensors (positional) and returns the tensor results' bytes, in result order.
   * With one libtorch thread, like the test models that set {@code INTRA_OP_THREAD_COUNT} 1: a matrix
   * product's last bits depend on how many threads share it.
   */
  List<byte[]> forward(Tensor... inputs) {
    JniUtils.setNumThreads(1);
    try (PtNDManager run = (PtNDManager) manager.newSubManager()) {
      IValue[] args = new IValue[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        ByteBuffer data = ByteBuffer.allocateDirect((int) inputs[i].byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        data.put(inputs[i].data()).flip();
        PtNDArray array = JniUtils.createNdFromByteBuffer(run, data, new Shape(inputs[i].shape()),
            TorchTypes.toTorch(inputs[i].dataType()), SparseFormat.DENSE, Device.cpu());
        args[i] = IValue.from(array);
      }
      IValue result = module.forward(args);
      IValue[] values = result.isTuple() ? result.toIValueTuple() : result.isList() ? result.toIValueArray()
          : new IValue[] {result};
      List<byte[]> out = new ArrayList<>();
      for (IValue v : values) {
        ByteBuffer bytes = JniUtils.getByteBuffer(v.toTensor(run), true);
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        out.add(copy);
        if (v != result) v.close();
      }
      result.close();
      for (IValue a : args) a.close();
      return out;
    }
  }

  @Override
  public void close() {
    module.close();
    manager.close();
  }

  /** A tensor's bytes. */
  static byte[] bytes(Tensor tensor) {
    ByteBuffer data = tensor.data();
    byte[] out = new byte[data.remaining()];
    data.get(out);
    return out;
  }
}
