package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.nereid.grpc.proto.ModelInferRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A large request's raw contents are split off its bytes without protobuf, so the split must read
 * every request exactly as protobuf does: fields in any order, unknown fields, unusual but valid
 * encodings, and every way a message can be cut short.
 */
class RequestSplitTest {
  private static final ModelInferRequest FULL = ModelInferRequest.newBuilder()
      .setModelName("simple")
      .setModelVersion("3")
      .setId("request-7")
      .putParameters("sequence_id", Wire.int64(42))
      .addInputs(Wire.input("INPUT0", "INT32", 1, 4))
      .addInputs(Wire.input("INPUT1", "FP32", 1, 2))
      .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT0"))
      .addRawInputContents(Wire.int32s(1, 2, 3, 4))
      .addRawInputContents(Wire.fp32s(0.5f, -1.5f))
      .build();

  @Test
  void fieldsInAnyOrderSplitAsProtobufReadsThem() throws Exception {
    // A serialised message is the concatenation of its fields, so single-field messages can be shuffled.
    List<byte[]> pieces = new ArrayList<>();
    pieces.add(ModelInferRequest.newBuilder().setModelName("simple").build().toByteArray());
    pieces.add(ModelInferRequest.newBuilder().setModelVersion("3").build().toByteArray());
    pieces.add(ModelInferRequest.newBuilder().setId("request-7").build().toByteArray());
    pieces.add(ModelInferRequest.newBuilder().putParameters("sequence_id", Wire.int64(42)).build().toByteArray());
    pieces.add(ModelInferRequest.newBuilder().addInputs(Wire.input("INPUT0", "INT32", 1, 4)).build().toByteArray());
    pieces.add(ModelInferRequest.newBuilder().addOutputs(
        ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT0")).build().toByteArray());
    pieces.add(ModelInferRequest.newBuilder().addRawInputContents(Wire.int32s(1, 2, 3, 4)).build().toByteArray());
    Random random = new Random(11);
    for (int round = 0; round < 50; round++) {
      Collections.shuffle(pieces, random);
      assertSplitsAsProtobufParses(concat(pieces));
    }
  }

  @Test
  void unknownFieldsStayInTheRestOfTheMessage() throws Exception {
    ModelInferRequest withUnknown = FULL.toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(-5).build())
        .addField(100, UnknownFieldSet.Field.newBuilder().addFixed32(7).addFixed64(8).build())
        .addField(101, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("kept")).build())
        .build()).build();
    Split split = assertSplitsAsProtobufParses(withUnknown.toByteArray());
    assertThat(split.rest().getUnknownFields()).isEqualTo(withUnknown.getUnknownFields());
    assertThat(split.raw()).hasSize(2);
  }

  @Test
  void overlongVarintsAreReadLikeProtobufDoes() throws Exception {
    // raw_input_contents (tag 0x3a) of three bytes, its length written in three bytes instead of one.
    byte[] padded = concat(List.of(ModelInferRequest.newBuilder().setModelName("m").build().toByteArray(),
        new byte[] {0x3a, (byte) 0x83, (byte) 0x80, 0x00, 1, 2, 3}));
    Split split = assertSplitsAsProtobufParses(padded);
    assertThat(split.raw()).singleElement().satisfies(b -> assertThat(bytes(b)).containsExactly(1, 2, 3));
  }

  @Test
  void everyTruncationIsEitherRefusedOrReadAsProtobufReadsIt() throws Exception {
    byte[] whole = FULL.toByteArray();
    for (int length = 0; length <= whole.length; length++) {
      byte[] prefix = Arrays.copyOf(whole, length);
      ModelInferRequest expected;
      try {
        expected = ModelInferRequest.parseFrom(prefix);
      } catch (InvalidProtocolBufferException e) {
        expected = null;
      }
      List<ByteBuffer> raw = new ArrayList<>();
      byte[] rest = RequestReader.splitRawContents(ByteBuffer.wrap(prefix), raw);
      if (rest == null) {
        assertThat(expected).as("a prefix of %d bytes that protobuf reads must split", length).isNull();
        continue;
      }
      ModelInferRequest restMessage;
      try {
        restMessage = ModelInferRequest.parseFrom(rest);
      } catch (InvalidProtocolBufferException e) {
        assertThat(expected).as("prefix of %d bytes: the rest fails only where protobuf fails", length).isNull();
        continue;
      }
      assertThat(expected).as("prefix of %d bytes split and parsed, so protobuf must read it", length).isNotNull();
      assertSame(expected, restMessage, raw);
    }
  }

  @Test
  void malformedBytesAreRefused() {
    assertThat(RequestReader.splitRawContents(ByteBuffer.wrap(new byte[] {0x00, 0x01}), new ArrayList<>()))
        .as("field number 0").isNull();
    assertThat(RequestReader.splitRawContents(ByteBuffer.wrap(new byte[] {0x0b, 0x0c}), new ArrayList<>()))
        .as("a group").isNull();
    assertThat(RequestReader.splitRawContents(ByteBuffer.wrap(new byte[] {0x3a, 0x05, 1, 2}), new ArrayList<>()))
        .as("raw contents longer than the message").isNull();
    byte[] endless = new byte[12];
    Arrays.fill(endless, (byte) 0x80);
    assertThat(RequestReader.splitRawContents(ByteBuffer.wrap(endless), new ArrayList<>())).as("a varint that never ends")
        .isNull();
  }

  @Test
  void rawContentsAreViewsOfTheMessageNotCopies() {
    ByteBuffer message = ByteBuffer.allocateDirect(FULL.getSerializedSize());
    message.put(FULL.toByteArray()).flip();
    List<ByteBuffer> raw = new ArrayList<>();
    RequestReader.splitRawContents(message, raw);
    assertThat(raw).allSatisfy(b -> assertThat(b.isDirect()).isTrue());
    int first = indexOf(FULL.toByteArray(), Wire.int32s(1, 2, 3, 4).toByteArray()); // where INPUT0's bytes sit
    message.put(first, (byte) 9);
    assertThat(raw.get(0).get(0)).as("a change to the message shows through the view").isEqualTo((byte) 9);
  }

  private record Split(ModelInferRequest rest, List<ByteBuffer> raw) {}

  private static Split assertSplitsAsProtobufParses(byte[] bytes) throws InvalidProtocolBufferException {
    ModelInferRequest expected = ModelInferRequest.parseFrom(bytes);
    List<ByteBuffer> raw = new ArrayList<>();
    byte[] rest = RequestReader.splitRawContents(ByteBuffer.wrap(bytes), raw);
    assertThat(rest).as("well-formed bytes split").isNotNull();
    ModelInferRequest restMessage = ModelInferRequest.parseFrom(rest);
    assertSame(expected, restMessage, raw);
    return new Split(restMessage, raw);
  }

  private static void assertSame(ModelInferRequest expected, ModelInferRequest rest, List<ByteBuffer> raw) {
    assertThat(rest).isEqualTo(expected.toBuilder().clearRawInputContents().build());
    assertThat(raw.stream().map(b -> ByteString.copyFrom(b.duplicate())).toList())
        .isEqualTo(expected.getRawInputContentsList());
  }

  private static byte[] concat(List<byte[]> pieces) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    pieces.forEach(all::writeBytes);
    return all.toByteArray();
  }

  private static int indexOf(byte[] in, byte[] what) {
    for (int i = 0; i + what.length <= in.length; i++) {
      if (Arrays.equals(in, i, i + what.length, what, 0, what.length)) return i;
    }
    throw new AssertionError("not found");
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
