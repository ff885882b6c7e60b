package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nereid serve --log-file --log-format --log-verbose --log-info} as tritonserver takes them: the
 * process writes its own log lines to the file in the format asked for, and the logging extension
 * reports and changes those settings.
 */
class ServeLoggingTest {
  @TempDir
  Path temp;

  @Test
  void logOptionsSetTheProcesssLogging() throws Exception {
    Path log = temp.resolve("nereid.log");
    Path argfile = temp.resolve("java.args");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Files.writeString(argfile, "-cp\n\"" + classpath.replace("\\", "\\\\") + "\"\n-Xmx256m\n" + ServeCommand.class.getName() + "\n");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(java.toString(), "@" + argfile, "--model-repository",
        Path.of("..", "examples", "models").toString(), "--http-port", "0", "--allow-grpc", "false",
        "--allow-metrics", "false", "--log-file", log.toString(), "--log-format", "ISO8601", "--log-info", "true",
        "--log-verbose", "1").redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) output.add(line);
      } catch (IOException e) {
        output.add("<output closed: " + e + ">");
      }
    });
    try {
      int port = ServeProcessTest.awaitPort(output, ServeProcessTest.HTTP_STARTED, process);
      HttpClient client = HttpClient.newHttpClient();
      URI logging = URI.create("http://127.0.0.1:" + port + "/v2/logging");
      String settings = client.send(HttpRequest.newBuilder(logging).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(settings).isEqualTo("{\"log_file\":\"" + log + "\",\"log_info\":true,\"log_warning\":true,"
          + "\"log_error\":true,\"log_verbose_level\":1,\"log_format\":\"ISO8601\"}");
      String text = Files.readString(log);
      // The HTTP front end's own start line, in ISO8601 form; and verbose lines, since --log-verbose 1.
      assertThat(text).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ I \\d+ HttpFrontend\\] Started HTTPService");
      assertThat(text).containsPattern("(?m)^\\S+ V \\d+ ");
      assertThat(String.join("\n", output)).doesNotContain("HttpFrontend]");

      String off = client.send(HttpRequest.newBuilder(logging).POST(HttpRequest.BodyPublishers.ofString(
          "{\"log_info\":false,\"log_verbose_level\":0}")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(off).contains("\"log_info\":false", "\"log_verbose_level\":0");
    } finally {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
    }
  }
}
