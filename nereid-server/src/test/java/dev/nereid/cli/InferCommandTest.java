package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nereid infer} against the bundled examples and temporary repositories, run in-process. */
class InferCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void helloWorldPrintsOneKserveResponseLine() {
    CliRun run = CliRun.infer("identity", "--input", "string_input=[[\"hello world!\"]]");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.outLines()).containsExactly("{\"model_name\":\"identity\",\"model_version\":\"1\",\"outputs\":[{\"name\":"
        + "\"string_output\",\"datatype\":\"BYTES\",\"shape\":[1,1],\"data\":[\"hello world!\"]}]}");
  }

  @Test
  void textEmbeddingTakesAFlatListAsABatchOfOneAndPrintsAUnitVector() throws IOException {
    // text has dims [1] and the ensemble batches: ["hello world"] is sent as [["hello world"]].
    CliRun run = CliRun.infer("text_embedding", "--input", "text=[\"hello world\"]");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode output = JSON.readTree(run.out()).get("outputs").get(0);
    assertThat(output.get("name").asText()).isEqualTo("embedding");
    assertThat(output.get("shape").toString()).isEqualTo("[1,384]");
    double norm = 0;
    for (JsonNode v : output.get("data")) norm += v.asDouble() * v.asDouble();
    assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
  }

  @Test
  void fp16RoundTripsAsNumbers() throws IOException {
    CliRun run = CliRun.infer("identity", "--input", "fp16_input=[[1.5, -2.25], [0.5, 65504]]", "--request-id", "r-7");

    assertThat(run.exitCode()).isZero();
    assertThat(run.outLines()).hasSize(1);
    JsonNode response = JSON.readTree(run.out());
    assertThat(response.get("id").asText()).isEqualTo("r-7");
    JsonNode output = response.get("outputs").get(0);
    assertThat(output.get("name").asText()).isEqualTo("fp16_output");
    assertThat(output.get("datatype").asText()).isEqualTo("FP16");
    assertThat(output.get("shape").toString()).isEqualTo("[2,2]");
    assertThat(output.get("data").toString()).isEqualTo("[1.5,-2.25,0.5,65504.0]");
  }

  @Test
  void everyDataTypeIsPrintedAsItsKserveJsonValue() throws IOException {
    CliRun run = CliRun.infer("identity",
        "-i", "bool_input=[[true, false]]",
        "-i", "uint8_input=[[0, 255]]",
        "-i", "uint16_input=[[65535]]",
        "-i", "uint32_input=[[4294967295]]",
        "-i", "uint64_input=[[18446744073709551615]]",
        "-i", "int8_input=[[-128]]",
        "-i", "int64_input=[[-9223372036854775808]]",
        "-i", "fp64_input=[[0.1]]",
        "-i", "bf16_input=[[1.5]]",
        "-i", "string_input=[[\"héllo ✓\", 7]]");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode outputs = JSON.readTree(run.out()).get("outputs");
    assertThat(dataOf(outputs, "bool_output")).isEqualTo("[true,false]");
    assertThat(dataOf(outputs, "uint8_output")).isEqualTo("[0,255]");
    assertThat(dataOf(outputs, "uint16_output")).isEqualTo("[65535]");
    assertThat(dataOf(outputs, "uint32_output")).isEqualTo("[4294967295]");
    assertThat(dataOf(outputs, "uint64_output")).isEqualTo("[18446744073709551615]");
    assertThat(dataOf(outputs, "int8_output")).isEqualTo("[-128]");
    assertThat(dataOf(outputs, "int64_output")).isEqualTo("[-9223372036854775808]");
    assertThat(dataOf(outputs, "fp64_output")).isEqualTo("[0.1]");
    assertThat(dataOf(outputs, "bf16_output")).isEqualTo("[1.5]");
    assertThat(dataOf(outputs, "string_output")).isEqualTo("[\"héllo ✓\",\"7\"]");
  }

  @Test
  void outputOptionReturnsOnlyTheNamedOutputs() throws IOException {
    CliRun run = CliRun.infer("identity", "-i", "string_input=[[\"a\"]]", "-i", "int32_input=[[1, 2]]",
        "--output", "int32_output");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode outputs = JSON.readTree(run.out()).get("outputs");
    assertThat(outputs).hasSize(1);
    assertThat(dataOf(outputs, "int32_output")).isEqualTo("[1,2]");
  }

  @Test
  void decoupledModelPrintsOneLinePerResponseInOrder() throws IOException {
    CliRun run = CliRun.infer("repeat_int32", "--input", "IN=[4, 5, 6]", "--input", "DELAY=[0, 0, 0]",
        "--input", "WAIT=[0]");

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.outLines();
    assertThat(lines).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode outputs = JSON.readTree(lines.get(i)).get("outputs");
      assertThat(dataOf(outputs, "OUT")).isEqualTo("[" + (4 + i) + "]");
      assertThat(dataOf(outputs, "IDX")).isEqualTo("[" + i + "]");
    }
  }

  @Test
  void decoupledModelWithNoResponsesPrintsNothing() {
    CliRun run = CliRun.infer("square_int32", "--input", "IN=[0]");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEmpty();
  }

  @Test
  void versionOptionPicksTheVersion(@TempDir Path repo) throws IOException {
    TestModels.echo(repo, 1, 3);

    CliRun latest = CliRun.of("infer", "echo", "--model-repository", repo.toString(), "-i", "INPUT0=[9]");
    CliRun first = CliRun.of("infer", "echo", "--model-repository", repo.toString(), "-i", "INPUT0=[9]", "--version", "1");
    CliRun missing = CliRun.of("infer", "echo", "--model-repository", repo.toString(), "-i", "INPUT0=[9]", "--version", "2");

    assertThat(JSON.readTree(latest.out()).get("model_version").asText()).isEqualTo("3");
    assertThat(JSON.readTree(first.out()).get("model_version").asText()).isEqualTo("1");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.errLines()).containsExactly("nereid: Request for unknown model: 'echo' version 2 is not found");
  }

  @Test
  void unknownModelIsOneLineNamingIt() {
    CliRun run = CliRun.infer("nope", "--input", "x=[1]");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err()).contains("Request for unknown model: 'nope' is not found");
  }

  @Test
  void malformedJsonIsAUsageErrorNamingTheInput() {
    CliRun run = CliRun.infer("identity", "--input", "string_input=[[hello]]");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err()).startsWith("nereid: input 'string_input' is not valid JSON").contains("'hello'");
  }

  @Test
  void jsonObjectIsRefused() {
    CliRun run = CliRun.infer("identity", "--input", "string_input={\"a\": 1}");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).startsWith("nereid: input 'string_input' holds a JSON object");
  }

  @Test
  void wrongInputNameGivesTheServersMessage() {
    CliRun run = CliRun.infer("identity", "--input", "strin_input=[[\"a\"]]");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines()).containsExactly("nereid: unexpected inference input 'strin_input' for model 'identity'");
  }

  @Test
  void wrongElementTypeNamesInputAndType() {
    CliRun run = CliRun.infer("identity", "--input", "fp16_input=[[\"a\"]]");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines()).containsExactly(
        "nereid: input 'fp16_input' for model 'identity': cannot convert String 'a' to an element of a FP16 tensor");
  }

  @Test
  void missingInputOptionIsAUsageError() {
    CliRun run = CliRun.infer("identity");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err()).startsWith("nereid: Missing required option: '--input=NAME=JSON'");
  }

  @Test
  void modelThatFailsToLoadReportsWhy(@TempDir Path repo) throws IOException {
    TestModels.broken(repo);

    CliRun run = CliRun.of("infer", "broken", "--model-repository", repo.toString(), "-i", "x=[1]");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err()).startsWith("nereid: failed to load 'broken'").contains("no_such_backend");
  }

  @Test
  void verbosePrintsTheStackTrace() {
    CliRun run = CliRun.infer("nope", "--input", "x=[1]", "--verbose");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines().get(0)).isEqualTo("nereid: Request for unknown model: 'nope' is not found");
    assertThat(run.err()).contains("NereidException$InvalidArgument").contains("\tat dev.nereid.");
  }

  private static String dataOf(JsonNode outputs, String name) {
    for (JsonNode output : outputs) {
      if (output.get("name").asText().equals(name)) return output.get("data").toString();
    }
    throw new AssertionError("no output " + name + " in " + outputs);
  }
}
