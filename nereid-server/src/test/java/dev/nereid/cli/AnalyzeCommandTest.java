package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.http.HttpFrontend;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.proto.ModelConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nereid analyze} sweeps real configurations of real models and writes a config that loads. */
class AnalyzeCommandTest {
  private static final Pattern BEST = Pattern.compile("Best: (\\d+)x- b(\\d+) (nodb|d(\\d+)) at concurrency (\\d+)");

  @TempDir Path dir;

  @Test
  void shortSweepOfMiniLmWritesTheWinningConfigThatLoadsAndAnswers() throws Exception {
    Path out = dir.resolve("analysis");
    CliRun run = CliRun.of("analyze", "all_minilm_l6_v2", "--model-repository=" + CliRun.EXAMPLES,
        // Random token ids (below 100) are fine; token types must be 0 or 1.
        "--shape", "input_ids:12", "--input", "attention_mask=[" + ones(12, 1) + "]",
        "--input", "token_type_ids=[" + ones(12, 0) + "]",
        "--instances", "1,2", "--queue-delay-us", "off,500", "--concurrency", "1,2", "-p", "300", "-o", out.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    // Four configurations at two load levels each, every one measured without errors.
    for (String label : List.of("1x- b8 nodb", "1x- b8 d500", "2x- b8 nodb", "2x- b8 d500")) {
      assertThat(run.outLines()).filteredOn(l -> l.length() > 2 && l.substring(1).startsWith(" " + label + " ")).hasSize(2);
    }
    assertThat(run.out()).doesNotContain("errors)").doesNotContain("failed:");
    assertThat(run.err()).contains("analyze all_minilm_l6_v2 [").contains("8/8");

    Matcher best = BEST.matcher(run.out());
    assertThat(best.find()).as(run.out()).isTrue();
    ModelConfig written = ModelConfigs.parseText(out.resolve("config.pbtxt"));
    assertThat(written.getName()).isEqualTo("all_minilm_l6_v2");
    assertThat(written.getInstanceGroup(0).getCount()).isEqualTo(Integer.parseInt(best.group(1)));
    assertThat(written.getMaxBatchSize()).isEqualTo(8);
    assertThat(written.hasDynamicBatching()).isEqualTo(!best.group(3).equals("nodb"));
    if (written.hasDynamicBatching()) {
      assertThat(written.getDynamicBatching().getMaxQueueDelayMicroseconds()).isEqualTo(500);
    }
    // The user's own settings survive tuning.
    assertThat(written.getParametersMap().get("intra_op_thread_count").getStringValue()).isEqualTo("1");
    assertThat(written.getInputList()).extracting(i -> i.getName())
        .containsExactly("input_ids", "attention_mask", "token_type_ids");

    // The winner is the row with the most throughput.
    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertThat(csv).hasSize(9);
    double top = csv.stream().skip(1).mapToDouble(r -> Double.parseDouble(r.split(",")[7])).max().orElseThrow();
    String bestRow = csv.stream().skip(1).filter(r -> Double.parseDouble(r.split(",")[7]) == top).findFirst().orElseThrow();
    assertThat(bestRow).startsWith(best.group(1) + "x- b8 " + best.group(3) + ",");
    assertThat(bestRow.split(",")[6]).isEqualTo(best.group(5));

    String svg = Files.readString(out.resolve("chart.svg"));
    assertThat(svg).startsWith("<svg").contains("p99 latency (ms)").contains("best: ").contains("2x- b8 d500");

    // The written config is what a user would copy into the repository: it loads and answers.
    Path repo = dir.resolve("repo/all_minilm_l6_v2/1");
    Files.createDirectories(repo);
    Files.copy(CliRun.EXAMPLES.resolve("all_minilm_l6_v2/1/model.onnx"), repo.resolve("model.onnx"));
    Files.copy(out.resolve("config.pbtxt"), repo.getParent().resolve("config.pbtxt"));
    try (Server server = new Server(ServerOptions.of(dir.resolve("repo"))).start()) {
      long[][] ids = {{101, 7592, 102}};
      var response = server.model("all_minilm_l6_v2").infer(Map.of("input_ids", ids,
          "attention_mask", new long[][] {{1, 1, 1}}, "token_type_ids", new long[][] {{0, 0, 0}})).next();
      Tensor hidden = response.output("last_hidden_state");
      assertThat(hidden.shape()).containsExactly(1, 3, 384);
    }
  }

  private static String ones(int n, int value) {
    return "[" + String.join(",", java.util.Collections.nCopies(n, Integer.toString(value))) + "]";
  }

  @Test
  void aBudgetNoConfigurationMeetsExitsWithTheClosestAndWritesNoConfig() throws Exception {
    Path out = dir.resolve("analysis");
    CliRun run = CliRun.of("analyze", "identity", "--model-repository=" + CliRun.EXAMPLES,
        "--input", "string_input=[[\"a\"]]", "--instances", "1", "--concurrency", "1", "-p", "100",
        "--p99-ms", "0.000001", "-o", out.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).containsPattern(
        "no configuration of 'identity' kept p99 within 1\\.0E-6 ms; the lowest p99 was [0-9.]+ ms \\(1x- b0 nodb at concurrency 1\\)");
    assertThat(out.resolve("config.pbtxt")).doesNotExist();
    assertThat(out.resolve("results.csv")).exists();
  }

  @Test
  void threadsOnABackendWithoutAThreadSettingIsRefusedNamingIt() {
    CliRun run = CliRun.of("analyze", "identity", "--model-repository=" + CliRun.EXAMPLES,
        "--input", "string_input=[[\"a\"]]", "--intra-op-threads", "2", "--concurrency", "1", "-p", "100",
        "-o", dir.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("model 'identity' uses backend 'identity', which has no intra-op thread setting");
  }

  @Test
  void tunesAModelOfARunningServerOverHttpAndDrawsAPng() throws Exception {
    Files.createDirectories(dir.resolve("repo/batched/1"));
    Files.writeString(dir.resolve("repo/batched/config.pbtxt"), """
        backend: "identity"
        max_batch_size: 8
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 16 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 16 ] } ]
        """);
    ServerOptions options = ServerOptions.builder().modelRepositories(List.of(dir.resolve("repo")))
        .modelControlMode(ModelControlMode.EXPLICIT).startupModel("batched").build();
    try (Server server = new Server(options).start();
        HttpFrontend http = HttpFrontend.start(server, HttpFrontend.Options.builder().port(0).build())) {
      Path png = dir.resolve("chart.png");
      CliRun run = CliRun.of("analyze", "batched", "-u", "127.0.0.1:" + http.port(), "--instances", "1,3",
          "--max-batch-size", "4,8", "--queue-delay-us", "100", "--concurrency", "2", "-p", "200",
          "-o", dir.resolve("out").toString(), "--chart", png.toString());

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).contains("Target: http://127.0.0.1:").contains("3x- b4 d100").contains("1x- b8 d100");
      // The server now runs the last configuration the sweep loaded.
      ModelConfig last = server.model("batched").config();
      assertThat(last.getInstanceGroup(0).getCount()).isEqualTo(3);
      assertThat(last.getMaxBatchSize()).isEqualTo(8);
      assertThat(last.getDynamicBatching().getMaxQueueDelayMicroseconds()).isEqualTo(100);
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image.getWidth()).isEqualTo(960);
      assertThat(image.getHeight()).isEqualTo(560);
    }
  }
}
