package dev.nereid.grpc;

import com.google.protobuf.ByteString;
import dev.nereid.grpc.proto.InferParameter;
import dev.nereid.grpc.proto.ModelInferRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds request pieces the way a Triton client puts them on the wire, independently of the server's code. */
final class Wire {
  private Wire() {}

  static ByteString int32s(int... values) {
    ByteBuffer b = le(values.length * 4);
    for (int v : values) b.putInt(v);
    return ByteString.copyFrom(b.flip());
  }

  static ByteString fp32s(float... values) {
    ByteBuffer b = le(values.length * 4);
    for (float v : values) b.putFloat(v);
    return ByteString.copyFrom(b.flip());
  }

  /** BYTES elements: each a 4-byte little-endian length, then the bytes. */
  static ByteString strings(byte[]... elements) {
    int size = 0;
    for (byte[] e : elements) size += 4 + e.length;
    ByteBuffer b = le(size);
    for (byte[] e : elements) b.putInt(e.length).put(e);
    return ByteString.copyFrom(b.flip());
  }

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static ModelInferRequest.InferInputTensor.Builder input(String name, String datatype, long... shape) {
    ModelInferRequest.InferInputTensor.Builder b =
        ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
    for (long d : shape) b.addShape(d);
    return b;
  }

  static InferParameter bool(boolean v) {
    return InferParameter.newBuilder().setBoolParam(v).build();
  }

  static InferParameter int64(long v) {
    return InferParameter.newBuilder().setInt64Param(v).build();
  }

  static InferParameter string(String v) {
    return InferParameter.newBuilder().setStringParam(v).build();
  }
}
