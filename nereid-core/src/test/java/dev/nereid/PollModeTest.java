package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POLL mode: repository changes are applied on poll, and a reload never costs a request. */
class PollModeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path repo;
  private TestRepository models;

  @BeforeEach
  void writeRepository() {
    models = new TestRepository(repo).identityModel("a");
  }

  private Server poll() {
    return new Server(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.POLL).build()).start();
  }

  private static String delayed(int ms) {
    return TestRepository.identity("parameters { key: \"execute_delay_ms\" value { string_value: \"" + ms + "\" } }");
  }

  private static String delayOf(Server server, String model) {
    var p = server.model(model).config().getParametersMap().get("execute_delay_ms");
    return p == null ? null : p.getStringValue();
  }

  @Test
  void loadsEverythingAtStartAndRefusesExplicitControl() {
    try (Server server = poll()) {
      assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
      assertThatThrownBy(() -> server.load("a")).isInstanceOf(NereidException.Unsupported.class);
      assertThatThrownBy(() -> server.unload("a")).isInstanceOf(NereidException.Unsupported.class);
    }
  }

  @Test
  void pollPicksUpANewModel() {
    try (Server server = poll()) {
      models.identityModel("b");
      assertThat(server.models()).doesNotContainKey(new ModelKey("b", 1));
      server.pollModelRepository();
      assertThat(TestRepository.row(server, "b", 1).state()).isEqualTo(ModelState.READY);
      assertThat(TestRepository.echo(server.model("b"), 2f)).containsExactly(2f);
    }
  }

  @Test
  void pollAppliesAChangedConfig() {
    try (Server server = poll()) {
      assertThat(delayOf(server, "a")).isNull();
      models.writeConfig("a", delayed(1));
      server.pollModelRepository();
      assertThat(delayOf(server, "a")).isEqualTo("1");
      // Same length, written at once: only the content tells the change.
      models.writeConfig("a", delayed(2));
      server.pollModelRepository();
      assertThat(delayOf(server, "a")).isEqualTo("2");
      assertThat(TestRepository.echo(server.model("a"), 3f)).containsExactly(3f);
    }
  }

  @Test
  void pollWithoutChangesReloadsNothing() {
    try (Server server = poll()) {
      TestRepository.echo(server.model("a"), 1f);
      // Statistics are recorded just after the response is sent.
      TestRepository.await("the request is counted", WAIT,
          () -> server.model("a").statistics().get(0).inferenceCount() == 1);
      server.pollModelRepository();
      server.pollModelRepository();
      // A reload would start the version's statistics afresh.
      assertThat(server.model("a").statistics().get(0).inferenceCount()).isEqualTo(1);
    }
  }

  @Test
  void pollUnloadsARemovedModel() {
    models.identityModel("b");
    try (Server server = poll()) {
      models.remove("b");
      server.pollModelRepository();
      TestRepository.await("'b' is unloaded", WAIT, () -> TestRepository.row(server, "b", 1).state() == ModelState.UNAVAILABLE);
      assertThat(TestRepository.row(server, "b", 1).reason()).isEqualTo("unloaded");
      assertThatThrownBy(() -> TestRepository.echo(server.model("b"), 1f)).isInstanceOf(NereidException.Unavailable.class);
      assertThat(server.ready()).isTrue();
      assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
    }
  }

  @Test
  void pollSwapsToANewVersionFolder() {
    try (Server server = poll()) {
      models.version("a", 2);
      server.pollModelRepository();
      assertThat(TestRepository.echoResponse(server.model("a"), 1f).modelVersion()).isEqualTo(2);
      TestRepository.await("version 1 is unloaded", WAIT, () -> TestRepository.row(server, "a", 1).state() == ModelState.UNAVAILABLE);
    }
  }

  @Test
  void brokenNewConfigKeepsTheOldVersionServing() {
    try (Server server = poll()) {
      models.writeConfig("a", TestRepository.identity("max_batch_size: \"lots\""));
      server.pollModelRepository();
      assertThat(TestRepository.echo(server.model("a"), 4f)).containsExactly(4f);
      ModelIndexEntry row = TestRepository.row(server, "a", 1);
      assertThat(row.state()).isEqualTo(ModelState.READY);
      assertThat(row.reason()).contains("reload failed", repo.resolve("a").resolve("config.pbtxt") + ":5:");
      assertThat(server.model("a").reason()).isEqualTo(row.reason());
      assertThat(server.ready()).isTrue();

      models.writeConfig("a", delayed(1));
      server.pollModelRepository();
      assertThat(TestRepository.row(server, "a", 1).reason()).isEmpty();
      assertThat(delayOf(server, "a")).isEqualTo("1");
    }
  }

  @Test
  void removingABrokenModelMakesTheServerReadyAgain() {
    models.model("broken", "backend: \"nope\"", 1);
    try (Server server = poll()) {
      assertThat(server.ready()).isFalse();
      models.remove("broken");
      server.pollModelRepository();
      assertThat(server.ready()).isTrue();
      assertThat(TestRepository.row(server, "broken", -1).reason()).isEqualTo("unloaded");
    }
  }

  @Test
  void fixingABrokenModelLoadsIt() {
    models.model("broken", "backend: \"nope\"", 1);
    try (Server server = poll()) {
      server.pollModelRepository();
      assertThat(TestRepository.row(server, "broken", -1).reason()).contains("unknown backend 'nope'");
      models.writeConfig("broken", TestRepository.IDENTITY);
      server.pollModelRepository();
      assertThat(TestRepository.echo(server.model("broken"), 5f)).containsExactly(5f);
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void reloadsUnderLoadLoseNoRequest() throws Exception {
    models.writeConfig("a", TestRepository.identity("instance_group [ { count: 2 kind: KIND_CPU } ]"));
    try (Server server = poll()) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong answered = new AtomicLong();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      CountDownLatch started = new CountDownLatch(4);
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        float value = t;
        senders.add(Thread.ofPlatform().name("sender-" + t).start(() -> {
          started.countDown();
          while (running.get()) {
            try {
              float[] out = TestRepository.echo(server.model("a"), value, value + 1);
              if (out[0] != value || out[1] != value + 1) failures.add(new AssertionError("wrong answer " + out[0]));
              answered.incrementAndGet();
            } catch (Throwable e) {
              failures.add(e);
            }
          }
        }));
      }
      started.await();
      for (int reload = 1; reload <= 6; reload++) {
        long before = answered.get();
        TestRepository.await("requests flow before reload " + reload, WAIT, () -> answered.get() > before + 50);
        models.writeConfig("a", TestRepository.identity("instance_group [ { count: 2 kind: KIND_CPU } ]\n"
            + "parameters { key: \"generation\" value { string_value: \"" + reload + "\" } }"));
        server.pollModelRepository();
        assertThat(server.model("a").config().getParametersMap().get("generation").getStringValue())
            .isEqualTo(Integer.toString(reload));
      }
      long afterLast = answered.get();
      TestRepository.await("requests flow after the last reload", WAIT, () -> answered.get() > afterLast + 50);
      running.set(false);
      for (Thread s : senders) s.join(WAIT.toMillis());
      assertThat(failures).isEmpty();
      assertThat(answered.get()).isGreaterThan(300);
    }
  }

  @Test
  void pollIntervalPollsOnItsOwn() {
    ServerOptions options = ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.POLL)
        .repositoryPollInterval(Duration.ofMillis(50)).build();
    try (Server server = new Server(options).start()) {
      models.identityModel("c");
      TestRepository.await("'c' is loaded by the poller", WAIT,
          () -> server.models(ModelFilter.READY).containsKey(new ModelKey("c", 1)));
      assertThat(TestRepository.echo(server.model("c"), 6f)).containsExactly(6f);
      models.writeConfig("c", delayed(1));
      TestRepository.await("'c' is reloaded by the poller", WAIT, () -> "1".equals(delayOf(server, "c")));
      models.remove("c");
      TestRepository.await("'c' is unloaded by the poller", WAIT,
          () -> TestRepository.row(server, "c", 1).state() == ModelState.UNAVAILABLE);
    }
  }

  @Test
  void modelAddedToASecondRepositoryBecomesADuplicate(@TempDir Path other) {
    ServerOptions options = ServerOptions.builder().modelRepository(repo).modelRepository(other)
        .modelControlMode(ModelControlMode.POLL).build();
    try (Server server = new Server(options).start()) {
      TestRepository second = new TestRepository(other).identityModel("a");
      server.pollModelRepository();
      assertThat(TestRepository.row(server, "a", -1).reason()).contains(repo.resolve("a").toString(),
          other.resolve("a").toString());
      second.remove("a");
      server.pollModelRepository();
      assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
      assertThat(server.models()).doesNotContainKey(new ModelKey("a", -1));
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void pollRefusedOutsidePollMode() {
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThatThrownBy(server::pollModelRepository).isInstanceOf(NereidException.Unsupported.class);
    }
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo)
        .modelControlMode(ModelControlMode.EXPLICIT).build()).start()) {
      assertThatThrownBy(server::pollModelRepository).isInstanceOf(NereidException.Unsupported.class);
      assertThat(server.models(ModelFilter.READY)).isEmpty();
      server.load("a", Map.of());
    }
  }
}
