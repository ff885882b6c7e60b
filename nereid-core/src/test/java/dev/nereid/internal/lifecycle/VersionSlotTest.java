package dev.nereid.internal.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ModelControlMode;
import dev.nereid.ModelState;
import dev.nereid.NereidException;
import dev.nereid.ServerOptions;
import dev.nereid.internal.backend.BackendRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The moves a model version's slot allows (Triton's model lifecycle: LOADING to READY or
 * UNAVAILABLE, READY to UNLOADING, UNLOADING to UNAVAILABLE "unloaded", and a new load from any state
 * that serves nothing) and the ones it refuses. The loaded models are real: identity models from a
 * repository on disk, loaded by a {@link RepositoryManager}.
 */
class VersionSlotTest {
  private static final String IDENTITY = """
      backend: "identity"
      max_batch_size: 0
      input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
      output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
      """;

  @TempDir Path repo;
  private RepositoryManager manager;
  /** Two real loaded models, for slots to hold: what they are does not matter to a slot. */
  private LoadedModel first;
  private LoadedModel second;

  @BeforeEach
  void loadTwoModels() throws IOException {
    for (String name : new String[] {"first", "second"}) {
      Files.createDirectories(repo.resolve(name).resolve("1"));
      Files.writeString(repo.resolve(name).resolve("config.pbtxt"), IDENTITY);
    }
    ServerOptions options = ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT).build();
    manager = new RepositoryManager(options, null, BackendRegistry.discover(),
        new LoadServices(options.defaultMaxQueueSize(), null, null));
    manager.start();
    manager.load("first", Map.of());
    manager.load("second", Map.of());
    first = manager.models().resolve("first", 1);
    second = manager.models().resolve("second", 1);
  }

  @AfterEach
  void stop() {
    manager.stop();
  }

  @Test
  void aVersionGoesThroughLoadReloadUnloadFailureAndLoadAgain() {
    VersionSlot slot = new VersionSlot("m", 3);
    assertThat(slot.state()).isEqualTo(ModelState.UNKNOWN);

    slot.loading();
    assertState(slot, ModelState.LOADING, "", null);
    slot.ready(first);
    assertState(slot, ModelState.READY, "", first);
    slot.ready(second); // a reload replaces the serving model without downtime
    assertState(slot, ModelState.READY, "", second);

    CompletableFuture<Void> done = new CompletableFuture<>();
    slot.unloading(done);
    assertState(slot, ModelState.UNLOADING, "", null);
    assertThat(slot.loaded()).isSameAs(second); // still finishing its requests
    assertThat(slot.unloading()).isSameAs(done);
    slot.unloaded(second, "unloaded");
    assertState(slot, ModelState.UNAVAILABLE, "unloaded", null);
    assertThat(slot.loaded()).isNull();

    slot.loading();
    slot.loadFailed("failed to load 'm' version 3: weights missing");
    assertState(slot, ModelState.UNAVAILABLE, "failed to load 'm' version 3: weights missing", null);
    slot.failureUnloaded("unloaded"); // the failed version is unloaded on request: no longer a failure
    assertState(slot, ModelState.UNAVAILABLE, "unloaded", null);

    slot.loading();
    slot.ready(first);
    assertState(slot, ModelState.READY, "", first);
  }

  static Stream<Arguments> illegalMoves() {
    return Stream.of(
        move("UNKNOWN", ModelState.UNKNOWN, "READY", "ready", (s, m) -> s.ready(m)),
        move("UNKNOWN", ModelState.UNKNOWN, "UNAVAILABLE", "loadFailed", (s, m) -> s.loadFailed("boom")),
        move("UNKNOWN", ModelState.UNKNOWN, "UNLOADING", "unloading", (s, m) -> s.unloading(new CompletableFuture<>())),
        move("LOADING", ModelState.LOADING, "LOADING", "loading", (s, m) -> s.loading()),
        move("LOADING", ModelState.LOADING, "UNLOADING", "unloading", (s, m) -> s.unloading(new CompletableFuture<>())),
        move("READY", ModelState.READY, "LOADING", "loading", (s, m) -> s.loading()),
        move("READY", ModelState.READY, "UNAVAILABLE", "loadFailed", (s, m) -> s.loadFailed("boom")),
        move("READY", ModelState.READY, "UNAVAILABLE", "unloaded", (s, m) -> s.unloaded(s.loaded(), "unloaded")),
        move("UNLOADING", ModelState.UNLOADING, "READY", "ready", (s, m) -> s.ready(m)),
        move("UNLOADING", ModelState.UNLOADING, "UNAVAILABLE", "loadFailed", (s, m) -> s.loadFailed("boom")),
        move("UNAVAILABLE", ModelState.UNAVAILABLE, "READY", "ready", (s, m) -> s.ready(m)),
        move("UNAVAILABLE", ModelState.UNAVAILABLE, "UNLOADING", "unloading", (s, m) -> s.unloading(new CompletableFuture<>())),
        move("UNAVAILABLE", ModelState.UNAVAILABLE, "UNAVAILABLE", "loadFailed", (s, m) -> s.loadFailed("boom")));
  }

  private interface Move {
    void apply(VersionSlot slot, LoadedModel model);
  }

  private static Arguments move(String from, ModelState fromState, String to, String call, Move move) {
    return Arguments.of(from + " -> " + to + " by " + call, fromState, to, move);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("illegalMoves")
  void anIllegalMoveIsRefusedNamingModelVersionAndBothStatesAndChangesNothing(
      String description, ModelState from, String to, Move move) {
    VersionSlot slot = new VersionSlot("resnet", 7);
    bringTo(slot, from);
    assertThat(slot.state()).isEqualTo(from);
    String reason = slot.reason();
    LoadedModel loaded = slot.loaded();
    LoadedModel serving = slot.serving();

    assertThatThrownBy(() -> move.apply(slot, second))
        .isInstanceOf(NereidException.Internal.class)
        .hasMessageStartingWith("model 'resnet' version 7 cannot go from " + from + " to " + to);

    assertThat(slot.state()).isEqualTo(from);
    assertThat(slot.reason()).isEqualTo(reason);
    assertThat(slot.loaded()).isSameAs(loaded);
    assertThat(slot.serving()).isSameAs(serving);
  }

  @Test
  void aRefusalOfAFailedVersionSaysWhyItFailed() {
    VersionSlot slot = new VersionSlot("resnet", 7);
    slot.loading();
    slot.loadFailed("failed to load 'resnet' version 7: out of memory");
    assertThatThrownBy(() -> slot.ready(first)).isInstanceOf(NereidException.Internal.class)
        .hasMessage("model 'resnet' version 7 cannot go from UNAVAILABLE to READY "
            + "(failed to load 'resnet' version 7: out of memory)");
  }

  @Test
  void anUnloadFinishingAfterANewLoadStartedLeavesTheNewLoadsOutcome() {
    VersionSlot slot = new VersionSlot("m", 1);
    slot.loading();
    slot.ready(first);
    slot.unloading(new CompletableFuture<>());
    slot.loading(); // loaded again while the old model still finishes its requests
    slot.unloaded(first, "unloaded");
    assertState(slot, ModelState.LOADING, "", null);
    assertThat(slot.loaded()).isNull();
    slot.ready(second);
    slot.unloaded(first, "unloaded"); // a late retirement of a model the slot no longer holds
    assertState(slot, ModelState.READY, "", second);
  }

  @Test
  void stopTakesDownASlotWhateverItWasDoing() {
    VersionSlot serving = new VersionSlot("m", 1);
    serving.loading();
    serving.ready(first);
    serving.stopping();
    assertState(serving, ModelState.UNLOADING, "", null);
    serving.stopped("unloaded");
    assertState(serving, ModelState.UNAVAILABLE, "unloaded", null);

    VersionSlot failed = new VersionSlot("m", 2);
    failed.loading();
    failed.loadFailed("boom");
    failed.stopping();
    failed.stopped("unloaded");
    assertState(failed, ModelState.UNAVAILABLE, "boom", null); // nothing was loaded: its failure stays
  }

  @Test
  void aServingVersionOfALiveServerRefusesToLoadAgainAndKeepsServing() {
    VersionSlot slot = manager.models().get("first").slot(1);
    assertThatThrownBy(slot::loading).isInstanceOf(NereidException.Internal.class)
        .hasMessage("model 'first' version 1 cannot go from READY to LOADING");
    assertThat(manager.models().resolve("first", 1)).isSameAs(first);
    assertThat(manager.models().state("first", 1).state()).isEqualTo(ModelState.READY);
    assertThat(manager.models().ready()).isTrue();
  }

  /** Takes a new slot to a state by legal moves. */
  private void bringTo(VersionSlot slot, ModelState state) {
    if (state == ModelState.UNKNOWN) return;
    slot.loading();
    switch (state) {
      case LOADING -> { }
      case READY -> slot.ready(first);
      case UNLOADING -> {
        slot.ready(first);
        slot.unloading(new CompletableFuture<>());
      }
      case UNAVAILABLE -> slot.loadFailed("failed to load 'resnet' version 7: boom");
      default -> throw new AssertionError(state);
    }
  }

  private static void assertState(VersionSlot slot, ModelState state, String reason, LoadedModel serving) {
    assertThat(slot.state()).isEqualTo(state);
    assertThat(slot.reason()).isEqualTo(reason);
    assertThat(slot.serving()).isSameAs(serving);
  }
}
