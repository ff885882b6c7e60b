package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.testing.GateBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limiting: an instance runs only while the resources its instance group declares are free. */
class RateLimiterTest {
  @TempDir Path repo;

  private void model(String name, String rateLimiter) throws Exception {
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "gate"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
        instance_group [ { kind: KIND_CPU count: 1 rate_limiter { %s } } ]
        """.formatted(rateLimiter));
  }

  private static InferenceRequest request(String id) {
    return InferenceRequest.builder().requestId(id).input("INPUT0", Tensor.of(new int[] {1})).build();
  }

  @Test
  void twoModelsSharingOneResourceNeverRunTogether() throws Exception {
    model("rl_a", "resources [ { name: \"R\" count: 1 } ]");
    model("rl_b", "resources [ { name: \"R\" count: 1 } ]");
    ServerOptions options = ServerOptions.builder().modelRepository(repo).rateLimiting(true)
        .rateLimiterResource("R", 1).build();
    try (Server server = new Server(options).start()) {
      GateBackend.Gate a = GateBackend.gate("rl_a");
      GateBackend.Gate b = GateBackend.gate("rl_b");
      b.openWide();
      CompletableFuture<InferenceResponse> first = server.model("rl_a").inferAsync(request("a"));
      a.awaitEntered(1);
      CompletableFuture<InferenceResponse> second = server.model("rl_b").inferAsync(request("b"));
      // rl_b's instance is idle, but the one R is held by rl_a's running batch.
      assertThat(second).failsWithin(java.time.Duration.ofMillis(300))
          .withThrowableOfType(java.util.concurrent.TimeoutException.class);
      assertThat(b.batches()).isEmpty();
      a.openWide();
      first.get(10, TimeUnit.SECONDS);
      assertThat(second.get(10, TimeUnit.SECONDS).requestId()).isEqualTo("b");
      assertThat(b.batches()).containsExactly(List.of("b"));
    }
  }

  @Test
  void withoutRateLimitingTheResourcesAreIgnored() throws Exception {
    model("free_a", "resources [ { name: \"R\" count: 1 } ]");
    model("free_b", "resources [ { name: \"R\" count: 1 } ]");
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      GateBackend.Gate a = GateBackend.gate("free_a");
      GateBackend.gate("free_b").openWide();
      CompletableFuture<InferenceResponse> first = server.model("free_a").inferAsync(request("a"));
      a.awaitEntered(1);
      assertThat(server.model("free_b").inferAsync(request("b")).get(10, TimeUnit.SECONDS).requestId()).isEqualTo("b");
      a.openWide();
      first.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNeedLargerThanTheServerHasFailsTheLoad() throws Exception {
    model("greedy", "resources [ { name: \"R\" count: 5 } ]");
    ServerOptions options = ServerOptions.builder().modelRepository(repo).rateLimiting(true)
        .rateLimiterResource("R", 2).build();
    try (Server server = new Server(options).start()) {
      assertThat(server.models().get(new ModelKey("greedy", 1)).reason()).contains("'R'").contains("only 2");
    }
  }
}
