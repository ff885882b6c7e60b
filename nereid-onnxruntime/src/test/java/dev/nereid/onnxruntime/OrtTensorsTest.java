package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import dev.nereid.DataType;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** What crosses into ORT is the caller's memory itself when it is direct, and a single copy when it is not. */
class OrtTensorsTest {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();

  @Test
  void directInputIsBorrowedNotCopied() throws Exception {
    ByteBuffer caller = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    caller.putFloat(1).putFloat(2).putFloat(3).putFloat(4).flip();
    Tensor tensor = Tensor.of(DataType.FP32, new long[] {2, 2}, caller);
    try (OnnxTensor ort = OrtTensors.toOrt(env, tensor, tensor.shape())) {
      assertThat(ort.ownsBuffer()).isFalse();
      caller.putFloat(0, 42f); // a write to the caller's buffer shows through: same memory
      assertThat(((float[][]) ort.getValue())[0][0]).isEqualTo(42f);
    }
  }

  @Test
  void unsignedInputIsBorrowedToo() throws Exception {
    ByteBuffer caller = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-1).putInt(7).flip();
    Tensor tensor = Tensor.of(DataType.UINT32, new long[] {2}, caller);
    try (OnnxTensor ort = OrtTensors.toOrt(env, tensor, tensor.shape())) {
      assertThat(ort.ownsBuffer()).isFalse();
      assertThat(ort.getInfo().onnxType.name()).isEqualTo("ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32");
      caller.putInt(4, 9);
      assertThat(OrtInternals.view(ort).order(ByteOrder.LITTLE_ENDIAN).getInt(4)).isEqualTo(9);
    }
  }

  @Test
  void heapInputIsCopiedOnce() throws Exception {
    Tensor tensor = Tensor.of(DataType.FP32, new long[] {2},
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(5).putFloat(6).flip());
    try (OnnxTensor ort = OrtTensors.toOrt(env, tensor, tensor.shape())) {
      assertThat(ort.getBufferRef().orElseThrow().isDirect()).isTrue();
      assertThat((float[]) ort.getValue()).containsExactly(5f, 6f);
    }
  }

  @Test
  void outputIsCopiedIntoTheTensorTheBatchLends() throws Exception {
    Tensor tensor = Tensor.of(new float[] {1, 2, 3});
    Tensor copy;
    try (OnnxTensor ort = OnnxTensor.createTensor(env, new float[] {1, 2, 3})) {
      copy = OrtTensors.copyInto(ort, Tensor.of(DataType.FP32, OrtTensors.shapeOf(ort), ByteBuffer.allocateDirect(12)));
    }
    assertThat(copy.isDirect()).isTrue();
    assertThat(copy.data()).isEqualTo(tensor.data());
    assertThat(OrtInternals.available()).as(OrtInternals.unavailableReason()).isTrue();
  }
}
