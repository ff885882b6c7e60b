package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.testing.GateBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch formation, priorities, queue policies and output splitting. The gate backend holds the one
 * instance busy while requests queue, so every batch is known in advance.
 */
class DynamicBatchingTest {
  private static final AtomicInteger MODELS = new AtomicInteger();

  @TempDir Path repo;
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) server.stop();
  }

  /** A gate model (INPUT0 INT32 [2] -> OUTPUT0) with this dynamic_batching block; returns its name. */
  private String gateModel(int maxBatch, String dynamicBatching) throws IOException {
    return gateModel(maxBatch, 1, dynamicBatching, "");
  }

  /** A gate model with this many instances, dynamic_batching block and extra config lines; returns its name. */
  private String gateModel(int maxBatch, int instances, String dynamicBatching, String extra) throws IOException {
    String name = "gate" + MODELS.incrementAndGet();
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "gate"
        max_batch_size: %d
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 2 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 2 ] } ]
        instance_group [ { kind: KIND_CPU count: %d } ]
        dynamic_batching { %s }
        %s
        """.formatted(maxBatch, instances, dynamicBatching, extra));
    return name;
  }

  private Model start(String name) {
    server = new Server(ServerOptions.of(repo)).start();
    return server.model(name);
  }

  private static InferenceRequest request(String id, int value, int rows) {
    int[] data = new int[rows * 2];
    for (int i = 0; i < data.length; i++) data[i] = value * 100 + i;
    return InferenceRequest.builder().requestId(id).input("INPUT0", Tensor.of(data, rows, 2)).build();
  }

  private static InferenceRequest request(String id, int value) {
    return request(id, value, 1);
  }

  /** Sends a request that occupies the only instance until the gate opens. */
  private static CompletableFuture<InferenceResponse> occupy(Model model, GateBackend.Gate gate) throws Exception {
    CompletableFuture<InferenceResponse> f = model.inferAsync(request("busy", 0));
    gate.awaitEntered(1);
    return f;
  }

  @Test
  void queuedRequestsRunAsOneBatchAndEachGetsItsOwnRows() throws Exception {
    String name = gateModel(8, "");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    List<CompletableFuture<InferenceResponse>> queued = new ArrayList<>();
    for (int i = 1; i <= 3; i++) queued.add(model.inferAsync(request("r" + i, i, i)));
    gate.openWide();

    busy.get(10, TimeUnit.SECONDS);
    for (int i = 1; i <= 3; i++) {
      InferenceResponse r = queued.get(i - 1).get(10, TimeUnit.SECONDS);
      assertThat(r.requestId()).isEqualTo("r" + i);
      Tensor out = r.output("OUTPUT0");
      assertThat(out.shape()).containsExactly(i, 2);
      int[] expected = new int[i * 2];
      for (int k = 0; k < expected.length; k++) expected[k] = i * 100 + k;
      assertThat(out.toIntArray()).containsExactly(expected);
    }
    assertThat(gate.batches()).containsExactly(List.of("busy"), List.of("r1", "r2", "r3"));
    // Both executions were counted before their answers went out.
    ModelStatistics stats = model.statistics().get(0);
    assertThat(stats.executionCount()).isEqualTo(2);
    assertThat(stats.inferenceCount()).isEqualTo(1 + 1 + 2 + 3);
    assertThat(stats.batchStats()).extracting(ModelStatistics.BatchStats::batchSize).containsExactly(1L, 6L);
  }

  @Test
  void batchesNeverExceedMaxBatchSize() throws Exception {
    String name = gateModel(4, "");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    List<CompletableFuture<InferenceResponse>> queued = new ArrayList<>();
    // Rows 3, 2, 2, 1: the first batch can take only the 3 (3 + 2 > 4); then 2 + 2; then 1.
    int[] rows = {3, 2, 2, 1};
    for (int i = 0; i < rows.length; i++) queued.add(model.inferAsync(request("r" + i, i, rows[i])));
    gate.openWide();
    for (CompletableFuture<InferenceResponse> f : queued) f.get(10, TimeUnit.SECONDS);
    busy.get(10, TimeUnit.SECONDS);
    assertThat(gate.batches()).containsExactly(List.of("busy"), List.of("r0"), List.of("r1", "r2"), List.of("r3"));
  }

  @Test
  void preferredSizeIsSentAtOnceAndTheRestAfterTheDelay() throws Exception {
    String name = gateModel(8, "preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 300000");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    gate.openWide();
    // Six requests arrive together: four leave as a preferred batch, the other two after the delay.
    List<CompletableFuture<InferenceResponse>> sent = new ArrayList<>();
    for (int i = 0; i < 6; i++) sent.add(model.inferAsync(request("r" + i, i)));
    for (CompletableFuture<InferenceResponse> f : sent) f.get(10, TimeUnit.SECONDS);
    assertThat(gate.sizes()).containsExactly(4, 2);
  }

  @Test
  void queueDelayGathersRequestsThatArriveTogether() throws Exception {
    String name = gateModel(8, "max_queue_delay_microseconds: 200000");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    gate.openWide();
    List<CompletableFuture<InferenceResponse>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) sent.add(model.inferAsync(request("r" + i, i)));
    for (CompletableFuture<InferenceResponse> f : sent) f.get(10, TimeUnit.SECONDS);
    assertThat(gate.sizes()).containsExactly(3);
  }

  @Test
  void higherPriorityLevelsRunFirst() throws Exception {
    String name = gateModel(1, "priority_levels: 2 default_priority_level: 2");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    List<CompletableFuture<InferenceResponse>> sent = new ArrayList<>();
    sent.add(model.inferAsync(request("low1", 1)));
    sent.add(model.inferAsync(request("low2", 2).toBuilder().priority(2).build()));
    sent.add(model.inferAsync(request("high", 3).toBuilder().priority(1).build()));
    gate.openWide();
    busy.get(10, TimeUnit.SECONDS);
    for (CompletableFuture<InferenceResponse> f : sent) f.get(10, TimeUnit.SECONDS);
    assertThat(gate.batches()).containsExactly(List.of("busy"), List.of("high"), List.of("low1"), List.of("low2"));
  }

  @Test
  void timedOutRequestIsRejectedWhileTheInstanceIsStillBusy() throws Exception {
    String name = gateModel(8, "default_queue_policy { default_timeout_microseconds: 50000 timeout_action: REJECT }");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    CompletableFuture<InferenceResponse> late = model.inferAsync(request("late", 1));

    assertThat(late).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(NereidException.Unavailable.class).withMessageContaining("timeout");
    assertThat(busy).isNotDone();
    gate.openWide();
    busy.get(10, TimeUnit.SECONDS);
    assertThat(gate.batches()).containsExactly(List.of("busy"));
    assertThat(server.metrics()).contains("nv_inference_request_failure{model=\"" + name + "\",reason=\"REJECTED\",version=\"1\"} 1");
  }

  @Test
  void requestTimeoutOverridesTheDefaultOnlyWhenAllowed() throws Exception {
    String name = gateModel(8, "default_queue_policy { allow_timeout_override: true }");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    CompletableFuture<InferenceResponse> quick = model.inferAsync(request("quick", 1).toBuilder().timeoutMicros(20_000).build());
    CompletableFuture<InferenceResponse> patient = model.inferAsync(request("patient", 2));
    assertThat(quick).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(NereidException.Unavailable.class);
    gate.openWide();
    assertThat(patient.get(10, TimeUnit.SECONDS).requestId()).isEqualTo("patient");
    busy.get(10, TimeUnit.SECONDS);
  }

  @Test
  void delayedRequestsRunAfterThoseThatDidNotTimeOut() throws Exception {
    String name = gateModel(1, "default_queue_policy { timeout_action: DELAY allow_timeout_override: true }");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    CompletableFuture<InferenceResponse> early = model.inferAsync(request("early", 1).toBuilder().timeoutMicros(1_000).build());
    CompletableFuture<InferenceResponse> later = model.inferAsync(request("later", 2));
    // Let the first request's timeout pass while it is queued; it is delayed, not rejected.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    while (System.nanoTime() < deadline) Thread.onSpinWait();
    gate.openWide();
    early.get(10, TimeUnit.SECONDS);
    later.get(10, TimeUnit.SECONDS);
    busy.get(10, TimeUnit.SECONDS);
    assertThat(gate.batches()).containsExactly(List.of("busy"), List.of("later"), List.of("early"));
  }

  @Test
  void eachPriorityLevelHasItsOwnQueueBound() throws Exception {
    String name = gateModel(1, "priority_levels: 2 default_priority_level: 2 "
        + "priority_queue_policy { key: 1 value { max_queue_size: 1 } } default_queue_policy { max_queue_size: 2 }");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    List<CompletableFuture<InferenceResponse>> ok = new ArrayList<>();
    ok.add(model.inferAsync(request("h1", 1).toBuilder().priority(1).build()));
    CompletableFuture<InferenceResponse> h2 = model.inferAsync(request("h2", 2).toBuilder().priority(1).build());
    ok.add(model.inferAsync(request("l1", 3)));
    ok.add(model.inferAsync(request("l2", 4)));
    CompletableFuture<InferenceResponse> l3 = model.inferAsync(request("l3", 5));
    for (CompletableFuture<InferenceResponse> rejected : List.of(h2, l3)) {
      assertThat(rejected).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
          .havingCause().isInstanceOf(NereidException.Unavailable.class).withMessageContaining("queue is full");
    }
    gate.openWide();
    for (CompletableFuture<InferenceResponse> f : ok) f.get(10, TimeUnit.SECONDS);
    busy.get(10, TimeUnit.SECONDS);
  }

  @Test
  void cancellingAQueuedRequestAnswersItAtOnce() throws Exception {
    String name = gateModel(8, "");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    ResponseIterator queued = model.infer(request("queued", 1)).raiseOnError(false);
    queued.cancel();
    InferenceResponse r = queued.next();
    assertThat(r.error()).get().isInstanceOf(NereidException.Cancelled.class);
    gate.openWide();
    busy.get(10, TimeUnit.SECONDS);
    assertThat(gate.batches()).containsExactly(List.of("busy"));
  }

  @Test
  void shapesThatDifferBeyondTheBatchDimensionGoInSeparateBatches() throws Exception {
    String name = "ragged" + MODELS.incrementAndGet();
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "gate"
        max_batch_size: 8
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        instance_group [ { kind: KIND_CPU count: 1 } ]
        dynamic_batching { }
        """);
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = occupy(model, gate);
    CompletableFuture<InferenceResponse> a = model.inferAsync(
        InferenceRequest.builder().requestId("a").input("INPUT0", Tensor.of(new int[] {1, 2}, 1, 2)).build());
    CompletableFuture<InferenceResponse> b = model.inferAsync(
        InferenceRequest.builder().requestId("b").input("INPUT0", Tensor.of(new int[] {1, 2, 3}, 1, 3)).build());
    CompletableFuture<InferenceResponse> c = model.inferAsync(
        InferenceRequest.builder().requestId("c").input("INPUT0", Tensor.of(new int[] {4, 5, 6}, 1, 3)).build());
    gate.openWide();
    assertThat(a.get(10, TimeUnit.SECONDS).output("OUTPUT0").toIntArray()).containsExactly(1, 2);
    assertThat(b.get(10, TimeUnit.SECONDS).output("OUTPUT0").toIntArray()).containsExactly(1, 2, 3);
    assertThat(c.get(10, TimeUnit.SECONDS).output("OUTPUT0").toIntArray()).containsExactly(4, 5, 6);
    busy.get(10, TimeUnit.SECONDS);
    assertThat(gate.batches()).containsExactly(List.of("busy"), List.of("a"), List.of("b", "c"));
  }

  @Test
  void preserveOrderingHoldsALaterResponseUntilEarlierOnesAreDelivered() throws Exception {
    String name = "ordered" + MODELS.incrementAndGet();
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "gate"
        max_batch_size: 1
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 2 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 2 ] } ]
        instance_group [ { kind: KIND_CPU count: 2 } ]
        dynamic_batching { preserve_ordering: true }
        """);
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    gate.holdById();
    CompletableFuture<InferenceResponse> first = model.inferAsync(request("first", 1));
    gate.awaitEntered(1);
    CompletableFuture<InferenceResponse> second = model.inferAsync(request("second", 2));
    gate.awaitEntered(2);
    // The second finishes on the other instance first; its response must wait for the first's.
    gate.release("second");
    gate.awaitExited("second");
    assertThat(second).isNotDone();
    gate.release("first");
    assertThat(first.get(10, TimeUnit.SECONDS).requestId()).isEqualTo("first");
    assertThat(second.get(10, TimeUnit.SECONDS).requestId()).isEqualTo("second");
  }

  @Test
  void outputsSplitCorrectlyForEveryDataType() throws Exception {
    StringBuilder inputs = new StringBuilder();
    StringBuilder outputs = new StringBuilder();
    for (DataType type : DataType.values()) {
      inputs.append("{ name: \"INPUT_").append(type).append("\" data_type: ").append(type.configName())
          .append(" dims: [ 3 ] },");
      outputs.append("{ name: \"OUTPUT_").append(type).append("\" data_type: ").append(type.configName())
          .append(" dims: [ 3 ] },");
    }
    String name = "alltypes";
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        backend: "gate"
        max_batch_size: 16
        input [ %s ]
        output [ %s ]
        instance_group [ { kind: KIND_CPU count: 1 } ]
        dynamic_batching { }
        """.formatted(inputs.substring(0, inputs.length() - 1), outputs.substring(0, outputs.length() - 1)));
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    CompletableFuture<InferenceResponse> busy = model.inferAsync(allTypes("busy", 9, 1));
    gate.awaitEntered(1);
    List<CompletableFuture<InferenceResponse>> sent = new ArrayList<>();
    for (int i = 1; i <= 3; i++) sent.add(model.inferAsync(allTypes("r" + i, i, i)));
    gate.openWide();
    busy.get(10, TimeUnit.SECONDS);
    for (int i = 1; i <= 3; i++) {
      InferenceResponse r = sent.get(i - 1).get(10, TimeUnit.SECONDS);
      InferenceRequest expected = allTypes("r" + i, i, i);
      for (DataType type : DataType.values()) {
        Tensor in = (Tensor) expected.inputs().get("INPUT_" + type);
        Tensor out = r.output("OUTPUT_" + type);
        assertThat(out.shape()).as(type.name()).containsExactly(i, 3);
        assertThat(IdentityDataTypesTest.bytes(out.data())).as(type.name()).isEqualTo(IdentityDataTypesTest.bytes(in.data()));
      }
    }
    assertThat(gate.sizes()).containsExactly(1, 3);
  }

  @Test
  void afterTheQueueDelayQueuedWorkIsSplitAcrossTheIdleInstances() throws Exception {
    // Four idle instances, eight requests queued within the delay: the gate sees four executions at once,
    // where one batch of eight on one instance would leave three instances idle.
    String name = gateModel(16, 4, "max_queue_delay_microseconds: 100000", "");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    List<CompletableFuture<InferenceResponse>> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) sent.add(model.inferAsync(request("r" + i, i)));
    gate.awaitEntered(4);
    gate.openWide();
    for (int i = 0; i < 8; i++) assertThat(sent.get(i).get(10, TimeUnit.SECONDS).requestId()).isEqualTo("r" + i);
    assertThat(gate.sizes()).hasSizeGreaterThanOrEqualTo(4).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(2));
    assertThat(gate.sizes().stream().mapToInt(Integer::intValue).sum()).isEqualTo(8);
  }

  @Test
  void tritonPolicyKeepsOneBatchWhateverTheOtherInstancesDo() throws Exception {
    String name = gateModel(16, 4, "max_queue_delay_microseconds: 100000",
        "parameters { key: \"nereid_batch_policy\" value { string_value: \"triton\" } }");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    gate.openWide();
    List<CompletableFuture<InferenceResponse>> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) sent.add(model.inferAsync(request("r" + i, i)));
    for (CompletableFuture<InferenceResponse> f : sent) f.get(10, TimeUnit.SECONDS);
    assertThat(gate.sizes()).containsExactly(8);
  }

  @Test
  void anUnknownBatchPolicyLeavesTheModelUnavailableWithTheReason() throws Exception {
    String name = gateModel(16, 1, "", "parameters { key: \"nereid_batch_policy\" value { string_value: \"greedy\" } }");
    server = new Server(ServerOptions.of(repo)).start();
    assertThat(server.model(name).ready()).isFalse();
    assertThat(server.model(name).reason()).contains("'" + name + "'").contains("nereid_batch_policy")
        .contains("'adaptive' or 'triton'").contains("'greedy'");
  }

  @Test
  void aFreedInstanceTakesItsShareOfTheQueueAndBatchesStayInArrivalOrder() throws Exception {
    String name = gateModel(8, 2, "", "");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    List<CompletableFuture<InferenceResponse>> busy = List.of(model.inferAsync(request("busyA", 0)),
        model.inferAsync(request("busyB", 0)));
    gate.awaitEntered(2);
    List<CompletableFuture<InferenceResponse>> queued = new ArrayList<>();
    for (int i = 1; i <= 8; i++) queued.add(model.inferAsync(request("r" + i, i)));
    // One instance comes back while the other is still busy: it takes its share, not all eight, so the
    // requests behind it do not wait for eight rows of work when another instance is about to be free.
    gate.open(1);
    gate.awaitEntered(3);
    List<String> first = gate.batches().get(2);
    assertThat(first).hasSizeBetween(1, 5).isEqualTo(List.of("r1", "r2", "r3", "r4", "r5").subList(0, first.size()));
    gate.openWide();
    for (CompletableFuture<InferenceResponse> f : busy) f.get(10, TimeUnit.SECONDS);
    for (int i = 1; i <= 8; i++) assertThat(queued.get(i - 1).get(10, TimeUnit.SECONDS).requestId()).isEqualTo("r" + i);
    // Every batch is a run of consecutive arrivals: no request was passed over for a later one.
    List<List<String>> batches = new ArrayList<>(gate.batches().subList(2, gate.batches().size()));
    batches.sort(java.util.Comparator.comparingInt(b -> Integer.parseInt(b.get(0).substring(1))));
    assertThat(batches.stream().flatMap(List::stream).toList())
        .containsExactly("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8");
  }

  @Test
  void onceBatchesAreMeasuredNotToPayALoneRequestNoLongerWaitsTheQueueDelay() throws Exception {
    // A queue delay of a minute: without evidence (and under Triton's policy) a lone request waits it out.
    String name = gateModel(4, 1, "max_queue_delay_microseconds: 60000000", "");
    Model model = start(name);
    GateBackend.Gate gate = GateBackend.gate(name);
    gate.openWide();
    // Full batches leave at once; the gate model costs the same per row at any size, which the batcher
    // learns from these executions.
    for (int i = 0; i < 40; i++) {
      assertThat(model.inferAsync(request("full" + i, i, 4)).get(10, TimeUnit.SECONDS).requestId()).isEqualTo("full" + i);
    }
    InferenceResponse lone = model.inferAsync(request("lone", 1)).get(10, TimeUnit.SECONDS);
    assertThat(lone.requestId()).isEqualTo("lone");
    assertThat(gate.sizes().get(gate.sizes().size() - 1)).isEqualTo(1);
  }

  private static InferenceRequest allTypes(String id, int seed, int rows) {
    InferenceRequest.Builder b = InferenceRequest.builder().requestId(id);
    for (DataType type : DataType.values()) {
      long[] shape = {rows, 3};
      Tensor t;
      if (type == DataType.BYTES) {
        String[] s = new String[rows * 3];
        for (int k = 0; k < s.length; k++) s[k] = "s" + seed + "-" + "x".repeat(k);
        t = Tensor.of(s, shape);
      } else {
        ByteBuffer data = ByteBuffer.allocateDirect(rows * 3 * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < data.capacity(); k++) data.put(k, (byte) (type == DataType.BOOL ? (k + seed) % 2 : k * 31 + seed));
        t = Tensor.of(type, shape, data);
      }
      b.input("INPUT_" + type, t);
    }
    return b.build();
  }
}
