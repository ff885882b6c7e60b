package dev.nereid.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.Tensor;
import dev.nereid.frontend.Classification;
import dev.nereid.sharedmemory.SharedMemoryOutput;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes an infer response: a compact JSON header, then the binary outputs' bytes in output order.
 * Binary outputs are not copied: the body wraps the output tensors' buffers.
 */
final class InferResponseEncoder {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private InferResponseEncoder() {}

  /** One output; {@code sharedMemory} names the region it was written to, or is null. */
  private record Output(String name, Tensor tensor, boolean binary, SharedMemoryOutput sharedMemory) {}

  static FullHttpResponse encode(ByteBufAllocator alloc, InferenceResponse response, OutputSelection selection,
      Model model) {
    List<Output> outputs = new ArrayList<>(response.outputs().size());
    Boolean batching = null;
    for (Map.Entry<String, Tensor> e : response.outputs().entrySet()) {
      String name = e.getKey();
      Tensor tensor = e.getValue();
      int classes = selection.classification(name);
      if (classes > 0) {
        if (batching == null) batching = model.supportsBatching();
        tensor = Classification.topK(name, tensor, classes, batching);
      }
      SharedMemoryOutput sharedMemory = selection.sharedMemory(name);
      if (sharedMemory != null) sharedMemory.write(name, tensor);
      outputs.add(new Output(name, tensor, sharedMemory == null && selection.binary(name), sharedMemory));
    }
    ByteBuf header = Json.write(alloc, g -> writeHeader(g, response, outputs));
    List<ByteBuf> binary = new ArrayList<>();
    for (Output o : outputs) {
      if (o.binary() && o.tensor().byteSize() > 0) binary.add(Unpooled.wrappedBuffer(o.tensor().data()));
    }
    FullHttpResponse http;
    if (binary.isEmpty()) {
      http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, header);
      http.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    } else {
      int headerLength = header.readableBytes();
      CompositeByteBuf body = Unpooled.compositeBuffer(binary.size() + 1);
      body.addComponent(true, header);
      for (ByteBuf b : binary) body.addComponent(true, b);
      http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      http.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
      http.headers().set(HEADER_LENGTH, headerLength);
    }
    return http;
  }

  private static void writeHeader(JsonGenerator g, InferenceResponse response, List<Output> outputs) throws IOException {
    g.writeStartObject();
    if (!response.requestId().isEmpty()) g.writeStringField("id", response.requestId());
    g.writeStringField("model_name", response.model());
    g.writeStringField("model_version", Long.toString(response.modelVersion()));
    if (!response.parameters().isEmpty()) {
      g.writeObjectFieldStart("parameters");
      writeParameters(g, response.parameters());
      g.writeEndObject();
    }
    g.writeArrayFieldStart("outputs");
    for (Output o : outputs) {
      g.writeStartObject();
      g.writeStringField("name", o.name());
      g.writeStringField("datatype", o.tensor().dataType().kserveName());
      g.writeArrayFieldStart("shape");
      for (long d : o.tensor().shape()) g.writeNumber(d);
      g.writeEndArray();
      if (o.sharedMemory() != null) {
        g.writeObjectFieldStart("parameters");
        g.writeStringField("shared_memory_region", o.sharedMemory().region());
        g.writeNumberField("shared_memory_byte_size", o.tensor().byteSize());
        g.writeEndObject();
      } else if (o.binary()) {
        g.writeObjectFieldStart("parameters");
        g.writeNumberField("binary_data_size", o.tensor().byteSize());
        g.writeEndObject();
      } else {
        g.writeFieldName("data");
        JsonTensors.write(g, o.name(), o.tensor());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** Writes response parameters as fields of the current object. */
  static void writeParameters(JsonGenerator g, Map<String, Object> parameters) throws IOException {
    for (Map.Entry<String, Object> p : parameters.entrySet()) {
      Object v = p.getValue();
      g.writeFieldName(p.getKey());
      if (v instanceof Boolean b) g.writeBoolean(b);
      else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
        g.writeNumber(((Number) v).longValue());
      } else if (v instanceof Number n) g.writeNumber(n.doubleValue());
      else g.writeString(String.valueOf(v));
    }
  }
}
