package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repositories with odd or hostile contents: each broken model is UNAVAILABLE with a reason that says
 * why, things that are not models are ignored, and the good model beside them still serves.
 */
class HostileRepositoryTest {
  @TempDir Path repo;

  private Server start(TestRepository r) {
    r.identityModel("good");
    return new Server(ServerOptions.of(r.root)).start();
  }

  private static void assertUnavailable(Server server, String model, String... reasonParts) {
    ModelIndexEntry row = TestRepository.row(server, model, -1);
    assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(row.reason()).contains("'" + model + "'").contains(reasonParts);
    assertThat(TestRepository.echo(server.model("good"), 1f)).containsExactly(1f);
  }

  @Test
  void emptyConfigFileNamesNoBackend() throws Exception {
    TestRepository r = new TestRepository(repo).model("empty", "", 1);
    try (Server server = start(r)) {
      assertUnavailable(server, "empty", "no backend or platform");
    }
  }

  @Test
  void configThatIsAFolderIsReported() throws Exception {
    TestRepository r = new TestRepository(repo).folder("dir_config", "config.pbtxt").version("dir_config", 1);
    try (Server server = start(r)) {
      assertUnavailable(server, "dir_config", r.dir("dir_config").resolve("config.pbtxt").toString(), "folder");
    }
  }

  @Test
  void binaryGarbageConfigIsReportedAsNotText() throws Exception {
    TestRepository r = new TestRepository(repo).version("garbage", 1);
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);
    Files.write(r.dir("garbage").resolve("config.pbtxt"), noise);
    try (Server server = start(r)) {
      assertUnavailable(server, "garbage", r.dir("garbage").resolve("config.pbtxt").toString(), "UTF-8");
    }
  }

  @Test
  void configWithNulBytesIsASyntaxErrorWithPosition() throws Exception {
    TestRepository r = new TestRepository(repo).model("nul", "backend: \"identity\"\n\0\0\0\n", 1);
    try (Server server = start(r)) {
      assertUnavailable(server, "nul", r.dir("nul").resolve("config.pbtxt") + ":2:");
    }
  }

  @Test
  void modelWithoutVersionFoldersSaysSo() throws Exception {
    TestRepository r = new TestRepository(repo).model("unversioned", TestRepository.IDENTITY);
    try (Server server = start(r)) {
      assertUnavailable(server, "unversioned", "version");
    }
  }

  @Test
  void versionFoldersThatAreNotPositiveNumbersAreIgnored() throws Exception {
    TestRepository r = new TestRepository(repo).model("odd_versions", TestRepository.IDENTITY, 2)
        .folder("odd_versions", "0").folder("odd_versions", "01").folder("odd_versions", "abc")
        .folder("odd_versions", "-3").folder("odd_versions", "99999999999999999999999")
        .model("only_odd", TestRepository.IDENTITY).folder("only_odd", "0").folder("only_odd", "007");
    Files.writeString(r.dir("odd_versions").resolve("5"), "a file, not a version folder");
    try (Server server = start(r)) {
      assertThat(server.models().keySet()).filteredOn(k -> k.name().equals("odd_versions"))
          .containsExactly(new ModelKey("odd_versions", 2));
      assertThat(TestRepository.echoResponse(server.model("odd_versions"), 3f).modelVersion()).isEqualTo(2);
      assertUnavailable(server, "only_odd", "version");
    }
  }

  @Test
  void modelInTwoRepositoriesIsUnavailableNamingBoth(@TempDir Path other) throws Exception {
    TestRepository first = new TestRepository(repo).identityModel("twice").identityModel("good");
    TestRepository second = new TestRepository(other).identityModel("twice").identityModel("only_here");
    ServerOptions options = ServerOptions.builder().modelRepository(repo).modelRepository(other).build();
    try (Server server = new Server(options).start()) {
      ModelIndexEntry row = TestRepository.row(server, "twice", -1);
      assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(row.reason()).contains(first.dir("twice").toString()).contains(second.dir("twice").toString());
      assertThatThrownBy(() -> TestRepository.echo(server.model("twice"), 1f))
          .isInstanceOf(NereidException.Unavailable.class);
      assertThat(TestRepository.echo(server.model("only_here"), 2f)).containsExactly(2f);
      assertThat(TestRepository.echo(server.model("good"), 3f)).containsExactly(3f);
    }
    ServerOptions explicit = options.toBuilder().modelControlMode(ModelControlMode.EXPLICIT).startupModel("twice").build();
    try (Server server = new Server(explicit).start()) {
      assertThat(TestRepository.row(server, "twice", -1).reason())
          .contains("more than one repository", first.dir("twice").toString(), second.dir("twice").toString());
      assertThatThrownBy(() -> server.load("twice")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("more than one repository");
    }
  }

  @Test
  void missingRepositoryFailsStartNamingIt() {
    Path missing = repo.resolve("no_such_repository");
    Server server = new Server(ServerOptions.of(missing));
    assertThatThrownBy(server::start)
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining(missing.toString());
    assertThat(server.live()).isFalse();
  }

  @Test
  void repositoryThatIsAFileFailsStart() throws Exception {
    Path file = Files.writeString(repo.resolve("models.txt"), "not a folder");
    assertThatThrownBy(() -> new Server(ServerOptions.of(file)).start())
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void symlinkedModelFolderServes(@TempDir Path elsewhere) throws Exception {
    TestRepository real = new TestRepository(elsewhere).identityModel("linked");
    Files.createSymbolicLink(repo.resolve("linked"), real.dir("linked"));
    try (Server server = start(new TestRepository(repo))) {
      assertThat(TestRepository.row(server, "linked", 1).state()).isEqualTo(ModelState.READY);
      assertThat(TestRepository.echo(server.model("linked"), 8f)).containsExactly(8f);
    }
  }

  @Test
  void symlinkLoopInsideAModelFolderDoesNotHangLoadingOrPolling() throws Exception {
    TestRepository r = new TestRepository(repo).identityModel("loopy");
    Files.createSymbolicLink(r.dir("loopy").resolve("1").resolve("again"), r.dir("loopy"));
    ServerOptions options = ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.POLL).build();
    try (Server server = new Server(options).start()) {
      assertThat(TestRepository.echo(server.model("loopy"), 9f)).containsExactly(9f);
      server.pollModelRepository();
      assertThat(TestRepository.echo(server.model("loopy"), 9f)).containsExactly(9f);
    }
  }

  @Test
  void veryLongModelNameServes() throws Exception {
    String name = "m".repeat(255);
    TestRepository r = new TestRepository(repo).model(name, "name: \"" + name + "\"\n" + TestRepository.IDENTITY, 1);
    try (Server server = start(r)) {
      assertThat(TestRepository.row(server, name, 1).state()).isEqualTo(ModelState.READY);
      assertThat(TestRepository.echo(server.model(name), 1f, 2f)).containsExactly(1f, 2f);
    }
  }

  @Test
  void hiddenFoldersAndLooseFilesAreNotModels() throws Exception {
    TestRepository r = new TestRepository(repo).identityModel(".hidden").identityModel(".git");
    Files.writeString(repo.resolve("README.md"), "# models");
    Files.writeString(repo.resolve("config.pbtxt"), "backend: \"identity\"");
    try (Server server = start(r)) {
      assertThat(server.models().keySet()).containsExactly(new ModelKey("good", 1));
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void unicodeAndSpacesInModelNamesServe() throws Exception {
    TestRepository r = new TestRepository(repo).identityModel("modèle ünïcode").identityModel("with space");
    try (Server server = start(r)) {
      assertThat(TestRepository.echo(server.model("modèle ünïcode"), 1f)).containsExactly(1f);
      assertThat(TestRepository.echo(server.model("with space"), 2f)).containsExactly(2f);
    }
  }
}
