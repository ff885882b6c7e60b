package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.NereidException;
import dev.nereid.logging.LogSettings;
import dev.nereid.logging.LogSettingsUpdate;
import dev.nereid.logging.NereidLogging;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code GET /v2/logging} answers the log settings; {@code POST} changes those its JSON body names and
 * answers the settings then in effect.
 */
final class LoggingEndpoint {
  void handle(Exchange exchange) {
    LogSettings settings = NereidLogging.settings();
    if (HttpMethod.POST.equals(exchange.request().method()) && exchange.request().content().isReadable()) {
      JsonNode body = Json.parse(exchange.request().content());
      if (!body.isObject()) throw new NereidException.InvalidArgument("log settings must be a JSON object");
      Map<String, Object> changes = new HashMap<>();
      for (Map.Entry<String, JsonNode> e : body.properties()) changes.put(e.getKey(), value(e.getValue()));
      settings = LogSettingsUpdate.apply(changes);
    }
    LogSettings s = settings;
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartObject();
      g.writeStringField("log_file", s.logFile());
      g.writeBooleanField("log_info", s.info());
      g.writeBooleanField("log_warning", s.warning());
      g.writeBooleanField("log_error", s.error());
      g.writeNumberField("log_verbose_level", s.verboseLevel());
      g.writeStringField("log_format", s.format().tritonName());
      g.writeEndObject();
    }));
  }

  private static Object value(JsonNode v) {
    if (v.isNull()) return null;
    if (v.isBoolean()) return v.booleanValue();
    if (v.isIntegralNumber() && v.canConvertToLong()) return v.longValue();
    if (v.isTextual()) return v.textValue();
    return v.toString(); // a type no setting takes: the update names the setting and the type it expects
  }
}
