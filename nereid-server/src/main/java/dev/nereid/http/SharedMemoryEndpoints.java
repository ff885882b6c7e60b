package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.NereidException;
import dev.nereid.sharedmemory.SystemSharedMemory;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * {@code /v2/systemsharedmemory[/region/{r}]/status|register|unregister} over the server's
 * {@link SystemSharedMemory}, and the CUDA shared-memory endpoints, which Nereid (host memory only)
 * answers as a server without GPUs: no regions, and registration refused with 501.
 */
final class SharedMemoryEndpoints {
  static final String NO_CUDA = "CUDA shared memory is not supported: Nereid serves tensors from host memory;"
      + " register the tensors as system shared memory (/v2/systemsharedmemory) instead";

  private final SystemSharedMemory regions;

  SharedMemoryEndpoints(SystemSharedMemory regions) {
    this.regions = regions;
  }

  void handle(Exchange exchange, Route route) {
    switch (route.kind()) {
      case SHM_STATUS -> status(exchange, regions.status(route.name()));
      case SHM_REGISTER -> register(exchange, route.name());
      case SHM_UNREGISTER -> {
        if (route.name().isEmpty()) regions.unregisterAll(); else regions.unregister(route.name());
        exchange.sendEmpty(HttpResponseStatus.OK);
      }
      case CUDA_SHM_STATUS -> {
        if (!route.name().isEmpty()) {
          throw new NereidException.NotFound("Unable to find cuda shared memory region: '" + route.name() + "'");
        }
        status(exchange, List.of());
      }
      case CUDA_SHM_REGISTER -> throw new NereidException.Unsupported(NO_CUDA);
      case CUDA_SHM_UNREGISTER -> exchange.sendEmpty(HttpResponseStatus.OK); // none can be registered
      default -> throw new IllegalArgumentException("not a shared memory endpoint: " + route.kind());
    }
  }

  private void register(Exchange exchange, String name) {
    if (name.isEmpty()) {
      throw new NereidException.InvalidArgument("register needs a region name: POST /v2/systemsharedmemory/region/{name}/register");
    }
    JsonNode body = Json.parse(exchange.request().content());
    if (!body.isObject()) throw new NereidException.InvalidArgument("failed to parse the register request: expected a JSON object");
    JsonNode key = body.get("key");
    if (key == null || !key.isTextual()) throw new NereidException.InvalidArgument("Unable to parse 'key'");
    regions.register(name, key.textValue(), unsigned(body, "offset", true), unsigned(body, "byte_size", false));
    exchange.sendEmpty(HttpResponseStatus.OK);
  }

  private static long unsigned(JsonNode body, String field, boolean optional) {
    JsonNode value = body.get(field);
    if (value == null && optional) return 0;
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
      throw new NereidException.InvalidArgument("Unable to parse '" + field + "': expected a non-negative integer");
    }
    return value.longValue();
  }

  private static void status(Exchange exchange, List<SystemSharedMemory.RegionStatus> status) {
    exchange.sendJson(HttpResponseStatus.OK, Json.write(exchange.alloc(), g -> {
      g.writeStartArray();
      for (SystemSharedMemory.RegionStatus r : status) {
        g.writeStartObject();
        g.writeStringField("name", r.name());
        g.writeStringField("key", r.key());
        g.writeNumberField("offset", r.offset());
        g.writeNumberField("byte_size", r.byteSize());
        g.writeEndObject();
      }
      g.writeEndArray();
    }));
  }
}
