package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code version_policy}: which version folders load, and which version a request reaches. */
class VersionPolicyTest {
  @TempDir static Path repo;
  private static Server server;

  @BeforeAll
  static void start() {
    new TestRepository(repo)
        .model("default_policy", TestRepository.IDENTITY, 1, 2, 3)
        .model("latest_two", TestRepository.identity("version_policy: { latest: { num_versions: 2 } }"), 1, 2, 3)
        .model("latest_more_than_there_are", TestRepository.identity("version_policy { latest { num_versions: 5 } }"), 4, 7)
        .model("all", TestRepository.identity("version_policy: { all: {} }"), 1, 2, 3)
        .model("specific", TestRepository.identity("version_policy: { specific: { versions: [ 1, 3 ] } }"), 1, 2, 3)
        .model("specific_partly_missing", TestRepository.identity("version_policy { specific { versions: [ 2, 9 ] } }"), 1, 2)
        .model("specific_none_present", TestRepository.identity("version_policy { specific { versions: [ 5 ] } }"), 1, 2)
        .model("sparse", TestRepository.IDENTITY, 3, 10, 200);
    server = new Server(ServerOptions.of(repo)).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  private static List<Long> loaded(String model) {
    return server.models().values().stream()
        .filter(e -> e.name().equals(model) && e.state() == ModelState.READY).map(ModelIndexEntry::version).toList();
  }

  private static long servedVersion(Model model) {
    return TestRepository.echoResponse(model, 1f).modelVersion();
  }

  @Test
  void defaultPolicyLoadsOnlyTheLatestVersion() {
    assertThat(loaded("default_policy")).containsExactly(3L);
    assertThat(server.models().keySet()).filteredOn(k -> k.name().equals("default_policy"))
        .containsExactly(new ModelKey("default_policy", 3));
    assertThat(servedVersion(server.model("default_policy"))).isEqualTo(3);
  }

  @Test
  void latestNLoadsTheNHighestVersions() {
    assertThat(loaded("latest_two")).containsExactly(2L, 3L);
    assertThat(loaded("latest_more_than_there_are")).containsExactly(4L, 7L);
  }

  @Test
  void allLoadsEveryVersion() {
    assertThat(loaded("all")).containsExactly(1L, 2L, 3L);
    for (long v = 1; v <= 3; v++) {
      assertThat(servedVersion(server.model("all", v))).isEqualTo(v);
    }
  }

  @Test
  void specificLoadsExactlyTheListedVersions() {
    assertThat(loaded("specific")).containsExactly(1L, 3L);
    assertThat(loaded("specific_partly_missing")).containsExactly(2L);
  }

  @Test
  void specificWithNoListedVersionPresentIsUnavailable() {
    ModelIndexEntry row = TestRepository.row(server, "specific_none_present", -1);
    assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(row.reason()).contains("specific_none_present", "version policy", "[1, 2]");
  }

  @Test
  void requestWithoutVersionGoesToTheHighestReadyVersion() {
    assertThat(servedVersion(server.model("latest_two"))).isEqualTo(3);
    assertThat(servedVersion(server.model("specific"))).isEqualTo(3);
    assertThat(servedVersion(server.model("sparse"))).isEqualTo(200);
    assertThat(server.model("specific").state()).isEqualTo(ModelState.READY);
  }

  @Test
  void versionNotLoadedIsNotFound() {
    assertThatThrownBy(() -> TestRepository.echo(server.model("specific", 2), 1f))
        .isInstanceOf(NereidException.NotFound.class)
        .hasMessage("Request for unknown model: 'specific' version 2 is not found");
    assertThatThrownBy(() -> server.model("default_policy", 1).config())
        .isInstanceOf(NereidException.NotFound.class)
        .hasMessage("Request for unknown model: 'default_policy' version 1 is not found");
    assertThat(server.model("specific", 2).state()).isEqualTo(ModelState.UNKNOWN);
    assertThat(server.model("specific", 2).ready()).isFalse();
  }

  @Test
  void metadataListsTheLoadedVersions() {
    assertThat(server.model("specific").metadata().versions()).containsExactly("1", "3");
    assertThat(server.model("all", 2).metadata().versions()).containsExactly("1", "2", "3");
    assertThat(server.model("default_policy").metadata().versions()).containsExactly("3");
    assertThat(server.model("specific", 1).metadata().name()).isEqualTo("specific");
  }

  @Test
  void eachVersionCountsItsOwnRequests() {
    long v1 = inferences("all", 1);
    long v2 = inferences("all", 2);
    TestRepository.echo(server.model("all", 1), 1f);
    TestRepository.echo(server.model("all", 1), 1f);
    // Statistics are recorded just after the response is sent.
    TestRepository.await("both requests counted", java.time.Duration.ofSeconds(10), () -> inferences("all", 1) == v1 + 2);
    assertThat(inferences("all", 2)).isEqualTo(v2);
    assertThat(server.model("all").statistics()).extracting(ModelStatistics::version).containsExactly("1", "2", "3");
  }

  private static long inferences(String model, long version) {
    List<ModelStatistics> stats = server.model(model, version).statistics();
    assertThat(stats).hasSize(1);
    return stats.get(0).inferenceCount();
  }
}
