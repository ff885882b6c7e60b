package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.NereidException;
import dev.nereid.tracing.TraceMode;
import dev.nereid.tracing.TraceSettings;
import dev.nereid.tracing.Tracing;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET|POST /v2/trace/setting} and {@code /v2/models/{m}/trace/setting}: the trace settings,
 * server-wide or for one model, changed by a POST's JSON body (strings, a list for
 * {@code trace_level}, null to clear), as Triton's clients send them.
 */
final class TraceEndpoint {
  private final Tracing tracing;

  TraceEndpoint(Tracing tracing) {
    this.tracing = tracing;
  }

  void handle(Exchange exchange, Route route) {
    String model = route.model();
    TraceSettings settings;
    if (HttpMethod.POST.equals(exchange.request().method()) && exchange.request().content().isReadable()) {
      JsonNode body = Json.parse(exchange.request().content());
      if (!body.isObject()) throw new NereidException.InvalidArgument("trace settings must be a JSON object");
      Map<String, List<String>> changes = new HashMap<>();
      for (Map.Entry<String, JsonNode> e : body.properties()) changes.put(e.getKey(), values(e.getKey(), e.getValue()));
      settings = tracing.update(model, changes);
    } else {
      settings = model.isEmpty() ? tracing.settings() : tracing.settings(model);
    }
    TraceSettings s = settings;
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("trace_level");
      for (String l : s.levelNames()) g.writeString(l);
      g.writeEndArray();
      g.writeStringField("trace_rate", Integer.toString(s.rate()));
      g.writeStringField("trace_count", Integer.toString(s.count()));
      if (tracing.mode() == TraceMode.TRITON) {
        g.writeStringField("log_frequency", Integer.toString(s.logFrequency()));
        g.writeStringField("trace_file", s.file());
      }
      g.writeStringField("trace_mode", tracing.mode().tritonName());
      if (tracing.mode() == TraceMode.OPENTELEMETRY) g.writeStringField("url", tracing.url());
      g.writeEndObject();
    }));
  }

  private static List<String> values(String key, JsonNode value) {
    if (value.isNull()) return null;
    if (value.isArray()) {
      List<String> list = new ArrayList<>();
      for (JsonNode v : value) {
        if (!v.isTextual()) throw new NereidException.InvalidArgument("Unable to parse '" + key + "': expected strings");
        list.add(v.textValue());
      }
      return list;
    }
    if (value.isTextual()) return List.of(value.textValue());
    if (value.isIntegralNumber()) return List.of(value.asText());
    throw new NereidException.InvalidArgument("Unable to parse '" + key + "': expected a string, got " + value);
  }
}
