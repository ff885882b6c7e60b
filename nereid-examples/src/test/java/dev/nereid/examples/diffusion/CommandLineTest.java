package dev.nereid.examples.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nereid.cli.NereidCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command of docs/stable-diffusion.md, run in-process against the example repository. */
class CommandLineTest {
  @Test
  void inferWritesThePngAndDrawsProgress(@TempDir Path dir) throws IOException {
    Path png = dir.resolve("out.png");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = NereidCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));

    int code = cli.execute("infer", "stable_diffusion", "--model-repository", TestFiles.EXAMPLES.toString(),
        "--input", "prompt=[\"butterfly in new york\"]", "--output-image", png.toString(),
        "-p", "steps=5", "-p", "height=64", "-p", "width=64", "-p", "seed=42");

    assertThat(code).as(err.toString()).isZero();
    byte[] image = TestImages.read(png);
    assertThat(TestImages.maxDifference(image, TestImages.reference("pipeline_lms.png"))).isLessThanOrEqualTo(2);
    assertThat(err.toString()).startsWith("\rstable_diffusion [######------------------------] 1/5")
        .endsWith("\rstable_diffusion [##############################] 5/5" + System.lineSeparator());
    // One line on stdout: the final response, its image in the file.
    assertThat(out.toString().lines()).hasSize(1);
    JsonNode response = JsonMapper.builder().build().readTree(out.toString());
    assertThat(response.get("outputs")).isEmpty();
    assertThat(response.get("parameters").get("seed").asLong()).isEqualTo(42);
    assertThat(Files.size(png)).isPositive();
  }
}
