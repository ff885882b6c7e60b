package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 callers against every kind of scheduler at once (default, dynamic batching, sequence batching,
 * decoupled), some cancelling: every request ends with exactly one final response carrying its own
 * answer, and the statistics count each once.
 */
class MixedStressTest {
  @TempDir Path repo;

  @Test
  void sixtyFourCallersOnMixedModelsLoseAndDuplicateNothing() throws Exception {
    write("batched", """
        backend: "identity"
        max_batch_size: 8
        input [ { name: "INPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
        instance_group [ { kind: KIND_CPU count: 2 } ]
        dynamic_batching { max_queue_delay_microseconds: 200 preferred_batch_size: [ 4, 8 ] }
        """);
    write("plain", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
        instance_group [ { kind: KIND_CPU count: 1 } ]
        """);
    write("acc", """
        backend: "accumulator"
        max_batch_size: 4
        input [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        instance_group [ { kind: KIND_CPU count: 2 } ]
        sequence_batching {
          oldest { max_candidate_sequences: 64 max_queue_delay_microseconds: 100 }
          state [ { input_name: "STATE_IN" output_name: "STATE_OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        }
        """);
    for (String name : List.of("repeat_int32", "square_int32")) {
      Path dir = Files.createDirectories(repo.resolve(name).resolve("1"));
      Files.copy(HelloWorldTest.EXAMPLES.resolve(name).resolve("config.pbtxt"), dir.getParent().resolve("config.pbtxt"));
    }
    AtomicLong sent = new AtomicLong();
    AtomicLong finals = new AtomicLong();
    AtomicLong cancelled = new AtomicLong();
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      ExecutorService pool = Executors.newFixedThreadPool(64);
      List<Future<?>> callers = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        int thread = t;
        callers.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(thread);
          for (int i = 0; i < 150; i++) {
            switch (random.nextInt(5)) {
              case 0, 1 -> {
                String model = random.nextBoolean() ? "batched" : "plain";
                long value = thread * 1_000_000L + i;
                Tensor in = model.equals("batched") ? Tensor.of(new long[] {value}, 1, 1) : Tensor.of(new long[] {value}, 1);
                sent.incrementAndGet();
                InferenceResponse r = IdentityDataTypesTest.single(server.model(model).infer(Map.of("INPUT0", in)));
                finals.incrementAndGet();
                assertThat(r.output("OUTPUT0").toLongArray()).containsExactly(value);
              }
              case 2 -> {
                long id = thread + 1;
                int total = 0;
                for (int step = 0; step < 4; step++) {
                  int add = random.nextInt(10);
                  total += add;
                  sent.incrementAndGet();
                  InferenceResponse r = IdentityDataTypesTest.single(server.model("acc").infer(InferenceRequest.builder()
                      .correlationId(id).sequenceStart(step == 0).sequenceEnd(step == 3)
                      .input("INPUT", Tensor.of(new int[] {add}, 1, 1)).build()));
                  finals.incrementAndGet();
                  assertThat(r.output("OUTPUT").toIntArray()).containsExactly(total);
                }
              }
              case 3 -> {
                int n = 1 + random.nextInt(4);
                boolean cancel = random.nextInt(4) == 0;
                sent.incrementAndGet();
                ResponseIterator it = server.model("repeat_int32").infer(DecoupledModelsTest.repeat(
                    java.util.stream.IntStream.range(0, n).toArray(), new int[n], 0)).raiseOnError(false);
                int data = 0;
                int seenFinals = 0;
                while (it.hasNext()) {
                  InferenceResponse r = it.next();
                  if (r.isFinal()) seenFinals++;
                  if (r.error().isPresent()) {
                    assertThat(r.error().get()).isInstanceOf(NereidException.Cancelled.class);
                    cancelled.incrementAndGet();
                  } else if (!r.outputs().isEmpty()) {
                    assertThat(r.output("IDX").toIntArray()).containsExactly(data);
                    data++;
                  }
                  if (cancel && data == 1) it.cancel();
                }
                assertThat(seenFinals).isEqualTo(1);
                finals.incrementAndGet();
                assertThat(data).isLessThanOrEqualTo(n);
              }
              default -> {
                int n = random.nextInt(4);
                sent.incrementAndGet();
                List<InferenceResponse> all = new ArrayList<>();
                server.model("square_int32").infer(Map.of("IN", new int[] {n})).forEach(all::add);
                finals.incrementAndGet();
                assertThat(all).hasSize(n + 1);
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : callers) f.get(300, TimeUnit.SECONDS);
      pool.shutdown();

      assertThat(finals.get()).isEqualTo(sent.get());
      long counted = 0;
      for (String model : List.of("batched", "plain", "acc", "repeat_int32", "square_int32")) {
        ModelStatistics.InferenceStats s = server.model(model).statistics().get(0).inferenceStats();
        counted += s.success().count() + s.fail().count();
      }
      assertThat(counted).isEqualTo(sent.get());
      assertThat(server.metrics()).contains("nv_inference_pending_request_count{model=\"batched\",version=\"1\"} 0");
    }
  }

  private void write(String name, String config) throws Exception {
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), config);
  }
}
