package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.ModelFilter;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelState;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.UnloadOption;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The model-repository extension: index, load (with {@code config} and base64 {@code file:} overrides)
 * and unload. Each touches the file system or loads a model, so each runs on a worker thread.
 */
final class RepositoryEndpoints {
  private final Server server;
  private final Executor workers;

  RepositoryEndpoints(Server server, Executor workers) {
    this.server = server;
    this.workers = workers;
  }

  void handle(Exchange exchange, Route route) {
    exchange.runOn(workers, () -> {
      JsonNode body = optionalBody(exchange.request().content());
      switch (route.kind()) {
        case REPOSITORY_INDEX -> index(exchange, body);
        case REPOSITORY_LOAD -> {
          checkRepositoryAndName(route);
          server.load(route.model(), loadParameters(body));
          exchange.sendEmpty(HttpResponseStatus.OK);
        }
        case REPOSITORY_UNLOAD -> {
          checkRepositoryAndName(route);
          server.unload(route.model(), unloadOptions(body));
          exchange.sendEmpty(HttpResponseStatus.OK);
        }
        default -> throw new IllegalArgumentException("not a repository endpoint: " + route.kind());
      }
    });
  }

  private static JsonNode optionalBody(ByteBuf content) {
    if (!content.isReadable()) return null;
    JsonNode node = Json.parse(content);
    if (!node.isObject()) throw new NereidException.InvalidArgument("the request body must be a JSON object");
    return node;
  }

  private void index(Exchange exchange, JsonNode body) {
    ModelFilter filter = ModelFilter.ALL;
    JsonNode ready = body == null ? null : body.get("ready");
    if (ready != null) {
      if (!ready.isBoolean()) throw new NereidException.InvalidArgument("Invalid value for 'ready': expected a boolean");
      filter = ready.booleanValue() ? ModelFilter.READY : ModelFilter.ALL;
    }
    Collection<ModelIndexEntry> rows = server.models(filter).values();
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartArray();
      for (ModelIndexEntry row : rows) {
        g.writeStartObject();
        g.writeStringField("name", row.name());
        if (row.version() >= 0) g.writeStringField("version", Long.toString(row.version()));
        // A model that was never loaded has no version and no state.
        if (row.version() >= 0 || row.state() != ModelState.UNKNOWN) {
          g.writeStringField("state", row.state().name());
          g.writeStringField("reason", row.reason());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    }));
  }

  private static void checkRepositoryAndName(Route route) {
    if (!route.name().isEmpty()) {
      throw new NereidException.Unsupported("'repository_name' specification is not supported");
    }
    String model = route.model();
    // The route has percent-decoded the name: an encoded slash is a slash here.
    if (model.contains("..") || model.contains("\\") || model.contains("/")) {
      throw new NereidException.InvalidArgument("model name must not contain path traversal characters");
    }
  }

  private static Map<String, Object> loadParameters(JsonNode body) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    JsonNode json = body == null ? null : body.get("parameters");
    if (json == null) return parameters;
    if (!json.isObject()) throw new NereidException.InvalidArgument("Unable to parse 'parameters': expected an object");
    for (Map.Entry<String, JsonNode> p : json.properties()) {
      String key = p.getKey();
      if (!p.getValue().isTextual()) {
        throw new NereidException.InvalidArgument("Unable to parse parameter '" + key + "': expected a string");
      }
      String value = p.getValue().textValue();
      if (key.startsWith("file:")) {
        try {
          parameters.put(key, Base64.getDecoder().decode(value));
        } catch (IllegalArgumentException e) {
          throw new NereidException.InvalidArgument(
              "unable to decode the base64 content of parameter '" + key + "': " + e.getMessage());
        }
      } else {
        parameters.put(key, value);
      }
    }
    return parameters;
  }

  private static UnloadOption[] unloadOptions(JsonNode body) {
    JsonNode parameters = body == null ? null : body.get("parameters");
    JsonNode value = parameters == null || !parameters.isObject() ? null : parameters.get("unload_dependents");
    if (value == null) return new UnloadOption[0];
    if (!value.isBoolean()) {
      throw new NereidException.InvalidArgument("Unable to parse 'unload_dependents': expected a boolean");
    }
    return value.booleanValue() ? new UnloadOption[] {UnloadOption.DEPENDENTS} : new UnloadOption[0];
  }
}
