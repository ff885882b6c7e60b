package dev.nereid.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nereid.Tensor;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.ResponseFlag;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A test backend that answers with what it was sent: output {@code REQUEST} (BYTES [1]) holds the
 * request's id, sequence fields and parameters as JSON, and the parameters come back as response
 * parameters too. It shows what the HTTP front end handed to the model.
 */
public final class EchoRequestBackend implements Backend {
  @Override
  public String name() {
    return "echo_request";
  }

  @Override
  public BackendModel load(ModelContext context) {
    return instanceContext -> batch -> {
      for (BackendRequest request : batch.requests()) {
        ObjectNode echo = TestHttp.JSON.createObjectNode();
        echo.put("id", request.id());
        Object correlation = request.correlationId();
        if (correlation instanceof Long l) echo.put("correlation_id", l);
        else if (correlation != null) echo.put("correlation_id", correlation.toString());
        echo.put("sequence_start", request.sequenceStart());
        echo.put("sequence_end", request.sequenceEnd());
        echo.set("parameters", TestHttp.JSON.valueToTree(request.parameters()));
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("REQUEST", Tensor.ofBytes(new byte[][] {echo.toString().getBytes(StandardCharsets.UTF_8)}, 1));
        request.responder().send(outputs, request.parameters(), ResponseFlag.FINAL);
      }
    };
  }
}
