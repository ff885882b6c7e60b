package dev.nereid.grpc;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.nereid.grpc.proto.ModelInferRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the gRPC request splitter, which takes a large ModelInferRequest's raw_input_contents off
 * its bytes without protobuf: whatever it accepts, protobuf must parse to the same request (the rest
 * plus the split-off contents, in order), or refuse both the message and the rest the splitter left
 * (the caller parses the rest with protobuf). It may refuse what protobuf accepts (the caller then
 * parses the message with protobuf). Run as nereid-core's ConfigFuzzTest is.
 */
class RequestSplitFuzzTest {
  @FuzzTest
  void splitsAsProtobufParsesOrRefuses(byte[] input) throws InvalidProtocolBufferException {
    List<ByteBuffer> raw = new ArrayList<>();
    byte[] rest = RequestReader.splitRawContents(ByteBuffer.wrap(input), raw);
    if (rest == null) return;
    ModelInferRequest expected;
    try {
      expected = ModelInferRequest.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      // The splitter reads only the top level; a field whose own contents are malformed stays in the
      // rest, which the caller parses with protobuf: the request must be refused there.
      try {
        ModelInferRequest.parseFrom(rest);
      } catch (InvalidProtocolBufferException expectedToo) {
        return;
      }
      throw new AssertionError("protobuf refuses the message but reads the rest the splitter left: "
          + e.getMessage(), e);
    }
    ModelInferRequest restMessage = ModelInferRequest.parseFrom(rest);
    if (!restMessage.equals(expected.toBuilder().clearRawInputContents().build())) {
      throw new AssertionError("the rest of the message differs from protobuf's reading");
    }
    List<ByteString> split = raw.stream().map(b -> ByteString.copyFrom(b.duplicate())).toList();
    if (!split.equals(expected.getRawInputContentsList())) {
      throw new AssertionError("the raw contents differ from protobuf's reading");
    }
  }
}
