package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stateful models: sequence routing, control inputs, implicit state, idle release, strategies. */
class SequenceBatchingTest {
  @TempDir Path repo;
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) server.stop();
  }

  private Model start(int maxBatch, int instances, String strategy, long idleMicros) throws IOException {
    Files.createDirectories(repo.resolve("acc").resolve("1"));
    Files.writeString(repo.resolve("acc").resolve("config.pbtxt"), """
        backend: "accumulator"
        max_batch_size: %d
        input [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        instance_group [ { kind: KIND_CPU count: %d } ]
        sequence_batching {
          max_sequence_idle_microseconds: %d
          %s
          control_input [
            { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
            { name: "END" control [ { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } ] },
            { name: "READY" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } ] },
            { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] }
          ]
          state [ {
            input_name: "STATE_IN" output_name: "STATE_OUT" data_type: TYPE_INT32 dims: [ 1 ]
            initial_state { data_type: TYPE_INT32 dims: [ 1 ] zero_data: true name: "zero" }
          } ]
        }
        """.formatted(maxBatch, instances, idleMicros, strategy));
    server = new Server(ServerOptions.of(repo)).start();
    return server.model("acc");
  }

  private static InferenceRequest step(long id, int value, boolean start, boolean end, int maxBatch) {
    Tensor input = maxBatch > 0 ? Tensor.of(new int[] {value}, 1, 1) : Tensor.of(new int[] {value}, 1);
    return InferenceRequest.builder().correlationId(id).sequenceStart(start).sequenceEnd(end).input("INPUT", input).build();
  }

  @Test
  void interleavedSequencesKeepTheirOwnStateAndSeeTheirControls() throws Exception {
    Model acc = start(0, 1, "", 5_000_000);
    // Two sequences, interleaved request by request.
    int[] a = {1, 2, 3, 4};
    int[] b = {10, 20, 30, 40};
    int sumA = 0;
    int sumB = 0;
    for (int i = 0; i < 4; i++) {
      boolean first = i == 0;
      boolean last = i == 3;
      InferenceResponse ra = IdentityDataTypesTest.single(acc.infer(step(7, a[i], first, last, 0)));
      InferenceResponse rb = IdentityDataTypesTest.single(acc.infer(step(8, b[i], first, last, 0)));
      sumA += a[i];
      sumB += b[i];
      assertThat(ra.output("OUTPUT").toIntArray()).containsExactly(sumA);
      assertThat(rb.output("OUTPUT").toIntArray()).containsExactly(sumB);
      assertThat(ra.outputs()).doesNotContainKey("STATE_OUT");
      assertThat(ra.output("SEEN_START").toIntArray()).containsExactly(first ? 1 : 0);
      assertThat(ra.output("SEEN_END").toIntArray()).containsExactly(last ? 1 : 0);
      assertThat(ra.output("SEEN_READY").toIntArray()).containsExactly(1);
      assertThat(ra.output("SEEN_CORRID").dataType()).isEqualTo(DataType.UINT64);
      assertThat(rb.output("SEEN_CORRID").toLongArray()).containsExactly(8);
    }
  }

  @Test
  void aNewStartResetsTheState() throws Exception {
    Model acc = start(0, 1, "", 5_000_000);
    IdentityDataTypesTest.single(acc.infer(step(1, 5, true, false, 0)));
    IdentityDataTypesTest.single(acc.infer(step(1, 5, false, false, 0)));
    InferenceResponse restarted = IdentityDataTypesTest.single(acc.infer(step(1, 3, true, false, 0)));
    assertThat(restarted.output("OUTPUT").toIntArray()).containsExactly(3);
  }

  @Test
  void requestsWithoutAnIdOrStartAreRefused() throws Exception {
    Model acc = start(0, 1, "", 5_000_000);
    assertThatThrownBy(() -> acc.infer(InferenceRequest.builder().input("INPUT", Tensor.of(new int[] {1}, 1)).build()))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("inference request to model 'acc' must specify a non-zero or non-empty correlation ID");
    assertThatThrownBy(() -> acc.infer(step(99, 1, false, false, 0)))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("inference request for sequence 99 to model 'acc' must specify the START flag");
  }

  @Test
  void endReleasesTheSequence() throws Exception {
    Model acc = start(0, 1, "", 5_000_000);
    IdentityDataTypesTest.single(acc.infer(step(4, 1, true, true, 0)));
    assertThatThrownBy(() -> acc.infer(step(4, 1, false, false, 0)))
        .isInstanceOf(NereidException.InvalidArgument.class).hasMessageContaining("START flag");
  }

  @Test
  void anIdleSequenceIsReleasedAndItsNextRequestIsToldWhy() throws Exception {
    Model acc = start(0, 1, "", 50_000);
    IdentityDataTypesTest.single(acc.infer(step(5, 1, true, false, 0)));
    // The idle timeout is the condition under test: let it pass, with margin.
    Thread.sleep(400);
    assertThatThrownBy(() -> acc.infer(step(5, 1, false, false, 0)))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("max_sequence_idle_microseconds");
  }

  @Test
  void oldestStrategyBatchesRequestsOfDifferentSequences() throws Exception {
    Model acc = start(4, 1, "oldest { max_candidate_sequences: 8 max_queue_delay_microseconds: 200000 }", 5_000_000);
    List<CompletableFuture<InferenceResponse>> firsts = new ArrayList<>();
    for (long id = 1; id <= 4; id++) firsts.add(acc.inferAsync(step(id, (int) id, true, false, 4)));
    for (int i = 0; i < 4; i++) {
      assertThat(firsts.get(i).get(10, TimeUnit.SECONDS).output("OUTPUT").toIntArray()).containsExactly(i + 1);
    }
    List<CompletableFuture<InferenceResponse>> seconds = new ArrayList<>();
    for (long id = 1; id <= 4; id++) seconds.add(acc.inferAsync(step(id, 100, false, true, 4)));
    for (int i = 0; i < 4; i++) {
      InferenceResponse r = seconds.get(i).get(10, TimeUnit.SECONDS);
      assertThat(r.output("OUTPUT").toIntArray()).containsExactly(i + 1 + 100);
      assertThat(r.output("SEEN_CORRID").toLongArray()).containsExactly(i + 1);
    }
    assertThat(acc.statistics().get(0).batchStats()).extracting(ModelStatistics.BatchStats::batchSize).containsExactly(4L);
  }

  @Test
  void directStrategyKeepsEachSequenceOnOneInstance() throws Exception {
    Model acc = start(2, 2, "direct { }", 5_000_000);
    List<CompletableFuture<InferenceResponse>> all = new ArrayList<>();
    for (int step = 0; step < 5; step++) {
      for (long id = 1; id <= 4; id++) {
        all.add(acc.inferAsync(step(id, 1, step == 0, step == 4, 2)));
      }
    }
    java.util.Map<Long, Set<Integer>> instancesBySequence = new java.util.HashMap<>();
    java.util.Map<Long, List<Integer>> totals = new java.util.HashMap<>();
    for (CompletableFuture<InferenceResponse> f : all) {
      InferenceResponse r = f.get(10, TimeUnit.SECONDS);
      long id = r.output("SEEN_CORRID").toLongArray()[0];
      instancesBySequence.computeIfAbsent(id, k -> new HashSet<>()).add(r.output("INSTANCE").toIntArray()[0]);
      totals.computeIfAbsent(id, k -> new ArrayList<>()).add(r.output("OUTPUT").toIntArray()[0]);
    }
    assertThat(instancesBySequence.values()).allSatisfy(s -> assertThat(s).hasSize(1));
    assertThat(totals.values()).allSatisfy(t -> assertThat(t).containsExactly(1, 2, 3, 4, 5));
  }
}
