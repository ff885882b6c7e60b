package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** An infer response with the binary tensor extension, split into its JSON header and its outputs' bytes. */
record BinaryResponse(JsonNode header, Map<String, byte[]> binary, String contentType) {
  static BinaryResponse of(HttpResponse<byte[]> response) {
    byte[] body = response.body();
    int headerLength = response.headers().firstValue("Inference-Header-Content-Length")
        .map(Integer::parseInt).orElse(body.length);
    JsonNode header = TestHttp.json(new String(body, 0, headerLength, StandardCharsets.UTF_8));
    Map<String, byte[]> binary = new LinkedHashMap<>();
    int position = headerLength;
    for (JsonNode output : header.path("outputs")) {
      JsonNode size = output.path("parameters").path("binary_data_size");
      if (!size.isMissingNode()) {
        binary.put(output.path("name").asText(), Arrays.copyOfRange(body, position, position + size.asInt()));
        position += size.asInt();
      }
    }
    if (position != body.length) throw new AssertionError("binary sections do not add up: " + position + " of " + body.length);
    return new BinaryResponse(header, binary, response.headers().firstValue("content-type").orElse(""));
  }

  JsonNode output(String name) {
    for (JsonNode o : header.path("outputs")) {
      if (o.path("name").asText().equals(name)) return o;
    }
    throw new AssertionError("no output " + name + " in " + header);
  }
}
