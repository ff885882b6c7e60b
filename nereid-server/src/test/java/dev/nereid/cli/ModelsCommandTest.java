package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nereid models}: the repository index as an aligned table. */
class ModelsCommandTest {
  @Test
  void listsTheBundledExamples() {
    CliRun run = CliRun.of("models", "--model-repository", CliRun.EXAMPLES.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.outLines()).containsExactly(
        "NAME              VERSION  STATE  REASON",
        "all_minilm_l6_v2  1        READY",
        "bert_tokenizer    1        READY",
        "identity          1        READY",
        "mean_pooling      1        READY",
        "repeat_int32      1        READY",
        "square_int32      1        READY",
        "stable_diffusion  1        READY",
        "text_embedding    1        READY",
        "text_encoder      1        READY",
        "unet              1        READY",
        "vae_decoder       1        READY");
  }

  @Test
  void showsWhyAModelIsUnavailableAcrossRepositories(@TempDir Path first, @TempDir Path second) throws IOException {
    TestModels.echo(first, 1, 2);
    TestModels.broken(second);

    CliRun run = CliRun.of("models", "--model-repository", first.toString(), "--model-repository", second.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.outLines()).hasSize(4);
    assertThat(run.outLines().get(0)).isEqualTo("NAME    VERSION  STATE        REASON");
    assertThat(run.outLines().get(1))
        .startsWith("broken  -        UNAVAILABLE  failed to load 'broken': ")
        .contains("unknown backend 'no_such_backend'");
    assertThat(run.outLines().subList(2, 4)).containsExactly(
        "echo    1        READY",
        "echo    2        READY");
  }

  @Test
  void missingRepositoryIsOneLineNamingIt(@TempDir Path dir) {
    Path nowhere = dir.resolve("nowhere");

    CliRun run = CliRun.of("models", "--model-repository", nowhere.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines()).containsExactly("nereid: model repository " + nowhere + " is not a folder");
  }
}
