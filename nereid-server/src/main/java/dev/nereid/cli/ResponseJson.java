package dev.nereid.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.nereid.InferenceResponse;
import dev.nereid.Tensor;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes an {@link InferenceResponse} as one compact line of KServe v2 response JSON: model name and
 * version, the id when the request had one, parameters when the model set any, and each output with
 * its data flat and row-major. FP16/BF16 are numbers, BOOL true/false, BYTES UTF-8 strings, and
 * unsigned types their unsigned values.
 */
final class ResponseJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private ResponseJson() {}

  static String encode(InferenceResponse response) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = FACTORY.createGenerator(text)) {
      json.writeStartObject();
      json.writeStringField("model_name", response.model());
      json.writeStringField("model_version", Long.toString(response.modelVersion()));
      if (!response.requestId().isEmpty()) {
        json.writeStringField("id", response.requestId());
      }
      if (!response.parameters().isEmpty()) {
        json.writeObjectFieldStart("parameters");
        for (Map.Entry<String, Object> p : response.parameters().entrySet()) {
          json.writeFieldName(p.getKey());
          writeScalar(json, p.getValue());
        }
        json.writeEndObject();
      }
      json.writeArrayFieldStart("outputs");
      for (Map.Entry<String, Tensor> output : response.outputs().entrySet()) {
        writeTensor(json, output.getKey(), output.getValue());
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static void writeTensor(JsonGenerator json, String name, Tensor tensor) throws IOException {
    json.writeStartObject();
    json.writeStringField("name", name);
    json.writeStringField("datatype", tensor.dataType().kserveName());
    long[] shape = tensor.shape();
    json.writeFieldName("shape");
    json.writeArray(shape, 0, shape.length);
    json.writeArrayFieldStart("data");
    writeData(json, tensor);
    json.writeEndArray();
    json.writeEndObject();
  }

  private static void writeData(JsonGenerator json, Tensor t) throws IOException {
    switch (t.dataType()) {
      case BOOL -> { for (boolean v : t.toBooleanArray()) json.writeBoolean(v); }
      case INT8 -> { for (byte v : t.toByteArray()) json.writeNumber(v); }
      case UINT8 -> { for (byte v : t.toByteArray()) json.writeNumber(Byte.toUnsignedInt(v)); }
      case INT16 -> { for (short v : t.toShortArray()) json.writeNumber(v); }
      case UINT16 -> { for (short v : t.toShortArray()) json.writeNumber(Short.toUnsignedInt(v)); }
      case INT32 -> { for (int v : t.toIntArray()) json.writeNumber(v); }
      case UINT32 -> { for (int v : t.toIntArray()) json.writeNumber(Integer.toUnsignedLong(v)); }
      case INT64 -> { for (long v : t.toLongArray()) json.writeNumber(v); }
      case UINT64 -> { for (long v : t.toLongArray()) json.writeNumber(Long.toUnsignedString(v)); }
      case FP16, BF16, FP32 -> { for (float v : t.toFloatArray()) json.writeNumber(v); }
      case FP64 -> { for (double v : t.toDoubleArray()) json.writeNumber(v); }
      case BYTES -> { for (String v : t.toStrings()) json.writeString(v); }
    }
  }

  private static void writeScalar(JsonGenerator json, Object value) throws IOException {
    switch (value) {
      case Boolean b -> json.writeBoolean(b);
      case Long l -> json.writeNumber(l);
      case Integer i -> json.writeNumber(i);
      case Double d -> json.writeNumber(d);
      case null -> json.writeNull();
      default -> json.writeString(value.toString());
    }
  }
}
