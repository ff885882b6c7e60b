package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void bytesTensorUsesTritonsLengthPrefixedEncoding() {
    Tensor t = Tensor.of(new String[] {"ab", "", "héllo"});
    ByteBuffer data = t.data();
    assertThat(data.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    byte[] raw = new byte[data.remaining()];
    data.get(raw);
    byte[] hello = "héllo".getBytes(StandardCharsets.UTF_8);
    ByteBuffer expected = ByteBuffer.allocate(4 + 2 + 4 + 4 + hello.length).order(ByteOrder.LITTLE_ENDIAN);
    expected.putInt(2).put("ab".getBytes(StandardCharsets.UTF_8)).putInt(0).putInt(hello.length).put(hello);
    assertThat(raw).isEqualTo(expected.array());
    assertThat(t.shape()).containsExactly(3);
    assertThat(t.toStrings()).containsExactly("ab", "", "héllo");
  }

  @Test
  void nestedArraysKeepTheirShape() {
    Tensor t = Tensor.fromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
    assertThat(t.dataType()).isEqualTo(DataType.FP32);
    assertThat(t.shape()).containsExactly(2, 3);
    assertThat(t.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
    float[][] back = t.toArray();
    assertThat(back).isDeepEqualTo(new float[][] {{1, 2, 3}, {4, 5, 6}});
  }

  @Test
  void nestedListsConvertToTheRequestedType() {
    Tensor t = Tensor.fromArray(List.of(List.of(1, 2), List.of(3, 4)), DataType.INT64);
    assertThat(t.dataType()).isEqualTo(DataType.INT64);
    assertThat(t.toLongArray()).containsExactly(1, 2, 3, 4);
    Tensor s = Tensor.fromArray(List.of(List.of("hello world!")), DataType.BYTES);
    String[][] strings = s.toStringArray();
    assertThat(strings).isDeepEqualTo(new String[][] {{"hello world!"}});
  }

  @Test
  void halfPrecisionRoundTripsThroughFloats() {
    float[] values = {0f, 1f, -2.5f, 65504f, 0.099975586f};
    Tensor fp16 = Tensor.of(DataType.FP16, values);
    assertThat(fp16.byteSize()).isEqualTo(10);
    assertThat(fp16.toFloatArray()).containsExactly(values);
    Tensor bf16 = Tensor.of(DataType.BF16, new float[] {1f, -3f, 0.5f});
    assertThat(bf16.byteSize()).isEqualTo(6);
    assertThat(bf16.toFloatArray()).containsExactly(1f, -3f, 0.5f);
    // 1.00390625 lies halfway between two bf16 values; ties round to even (1.0).
    assertThat(Tensor.of(DataType.BF16, new float[] {1.00390625f}).toFloatArray()).containsExactly(1.0f);
  }

  @Test
  void directBufferIsBorrowedNotCopied() {
    ByteBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    Tensor t = Tensor.of(DataType.FP32, new long[] {1, 4}, direct);
    direct.putFloat(0, 42f);
    assertThat(t.isDirect()).isTrue();
    assertThat(t.toFloatArray()[0]).isEqualTo(42f);
  }

  @Test
  void wrongByteCountIsRefusedWithBothSizes() {
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, new long[] {2, 2}, ByteBuffer.allocate(12)))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("needs 16 bytes, got 12");
  }

  @Test
  void raggedArraysAreRefused() {
    assertThatThrownBy(() -> Tensor.fromArray(new int[][] {{1, 2}, {3}}))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("not rectangular");
  }

  @Test
  void nonIntegralValueForIntegerTypeIsRefused() {
    assertThatThrownBy(() -> Tensor.fromArray(List.of(1.5), DataType.INT32))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("not an integer");
  }

  @Test
  void scalarsHaveRankZero() {
    Tensor t = Tensor.fromArray(7L, DataType.INT64);
    assertThat(t.rank()).isZero();
    assertThat(t.elementCount()).isEqualTo(1);
    Long back = t.toArray();
    assertThat(back).isEqualTo(7L);
  }

  @Test
  void dataTypesParseBothNamingSchemes() {
    assertThat(DataType.parse("TYPE_STRING")).isEqualTo(DataType.BYTES);
    assertThat(DataType.parse("fp32")).isEqualTo(DataType.FP32);
    assertThat(DataType.BF16.configNumber()).isEqualTo(14);
    assertThat(DataType.fromConfigNumber(13)).isEqualTo(DataType.BYTES);
    assertThatThrownBy(() -> DataType.parse("FP8")).isInstanceOf(NereidException.InvalidArgument.class);
  }
}
