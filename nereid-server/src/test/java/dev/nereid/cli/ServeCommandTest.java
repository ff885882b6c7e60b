package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Flag handling of {@code nereid serve} that ends before serving: help, bad flags, startup failures. */
class ServeCommandTest {
  record Result(int exitCode, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new ServeCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsTritonsFlagNames() {
    Result r = run("--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--model-repository", "--http-port", "--grpc-port", "--metrics-port", "--address",
        "--model-control-mode", "--load-model", "--strict-model-config", "--exit-timeout-secs", "--id", "--allow-http",
        "--allow-grpc", "--allow-metrics", "--http-restricted-api", "--grpc-restricted-api", "--max-request-size",
        "--log-verbose", "--repository-poll-secs", "--log-info", "--log-warning", "--log-error", "--log-format",
        "--log-file", "--trace-config");
  }

  @Test
  void gcsAndAzureRepositoriesAreNotSupportedYet() {
    for (String url : new String[] {"gs://bucket/models", "as://account/container/models"}) {
      Result r = run("--model-repository", url, "--http-port", "0", "--allow-metrics", "false");
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err()).contains("model repository '" + url + "': repositories in Google Cloud Storage (gs://) and"
          + " Azure Storage (as://) are not supported yet");
    }
  }

  @Test
  void anUnreachableS3RepositoryNamesTheRepository() {
    // A port nothing listens on: the mirror's first listing fails, and the command says which repository.
    Result r = run("--model-repository", "s3://127.0.0.1:9/bucket/models", "--http-port", "0", "--allow-metrics", "false");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains("cannot read model repository s3://127.0.0.1:9/bucket/models");
  }

  @Test
  void badTraceConfigIsAUsageError() {
    Result r = run("--trace-config", "level=LOUD", "--http-port", "0", "--grpc-port", "0", "--allow-metrics", "false");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--trace-config level=LOUD: expected OFF, TIMESTAMPS or TENSORS");
  }

  @Test
  void helpSaysEachRestrictedApiFlagCoversOneProtocolOnly() {
    String help = run("--help").out().replaceAll("\\s+", " ");
    assertThat(help).contains("on HTTP only; repeatable. It does not restrict gRPC: restrict gRPC with --grpc-restricted-api")
        .contains("on gRPC only; repeatable. It does not restrict HTTP: restrict HTTP with --http-restricted-api");
  }

  @Test
  void badRestrictedApiIsAUsageError() {
    Result r = run("--http-restricted-api", "model-reposit:k=v", "--http-port", "0", "--allow-metrics", "false");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("unknown restricted api 'model-reposit'");
    Result twice = run("--http-restricted-api", "health:k=v", "--http-restricted-api", "health,metadata:k2=v");
    assertThat(twice.err()).contains("api 'health' can not be specified in multiple config groups");
  }

  @Test
  void badControlModeIsAUsageError() {
    Result r = run("--model-control-mode", "sometimes");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("'sometimes' is not a model control mode; use none, poll or explicit");
  }

  @Test
  void aPortInUseFailsTheStartWithExitCode1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Result r = run("--model-repository", "../examples/models", "--http-port", Integer.toString(taken.getLocalPort()),
          "--allow-grpc", "false", "--allow-metrics", "false");
      assertThat(r.exitCode()).isEqualTo(1);
    }
  }

  @Test
  void defaultRepositoryFollowsNereidHome() {
    String before = System.getProperty("nereid.home");
    try {
      System.setProperty("nereid.home", "/opt/nereid");
      assertThat(ServeCommand.defaultRepository()).isEqualTo(java.nio.file.Path.of("/opt/nereid/examples/models"));
      System.clearProperty("nereid.home");
      assertThat(ServeCommand.defaultRepository()).isEqualTo(java.nio.file.Path.of("examples/models"));
    } finally {
      if (before != null) System.setProperty("nereid.home", before);
    }
  }
}
