package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import dev.nereid.ModelIndexEntry;
import dev.nereid.frontend.RestrictedApis;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page at {@code GET /}, loaded in Debian's headless chromium: the table lists what the
 * repository index lists, the page's script fills in live counters from the JSON API, and a
 * screenshot lands in {@code target/}. {@code .ci/run} installs chromium; without it this test fails
 * and says so.
 */
class StatusPageTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Pattern ROW = Pattern.compile(
      "<tr data-model=\"([^\"]+)\" data-version=\"([^\"]*)\">(.*?)</tr>", Pattern.DOTALL);

  @TempDir
  Path temp;

  /** Runs chromium headless on {@code url} with extra arguments; returns what it printed. */
  private String chromium(String url, String... arguments) throws IOException, InterruptedException {
    assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium; .ci/run installs it)").isExecutable();
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", "--user-data-dir=" + Files.createTempDirectory(temp, "chromium-profile"),
        "--virtual-time-budget=6000"));
    command.addAll(List.of(arguments));
    command.add(url);
    Process p = new ProcessBuilder(command).redirectError(temp.resolve("chromium.err").toFile()).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void chromiumShowsTheRepositoryIndexAndLiveCounters() throws Exception {
    Path repo = TestModels.repository();
    try (TestHttp http = TestHttp.start(ModelControlMode.EXPLICIT, o -> o, repo)) {
      // Traffic, so the counters have something to show; and one model unloaded, so states differ.
      for (int i = 0; i < 20; i++) {
        assertThat(http.post("/v2/models/identity_batch/infer", "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\","
            + "\"shape\":[1,4],\"data\":[1,2,3,4]}]}").statusCode()).isEqualTo(200);
      }
      assertThat(http.post("/v2/repository/models/raw_bytes/unload", "").statusCode()).isEqualTo(200);

      HttpResponse<String> page = http.get("/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");

      String dom = chromium(http.uri("/").toString(), "--dump-dom");
      List<String> rows = new ArrayList<>();
      Matcher m = ROW.matcher(dom);
      while (m.find()) {
        String cells = m.group(3);
        String state = cell(cells, "state");
        rows.add(m.group(1) + "/" + m.group(2) + "/" + state);
        if (m.group(1).equals("identity_batch")) {
          // Filled in by the page's script from /v2/models/stats: the 20 requests above.
          assertThat(cell(cells, "total")).isEqualTo("20");
          assertThat(cell(cells, "failures")).isEqualTo("0");
        }
      }
      List<String> expected = new ArrayList<>();
      for (ModelIndexEntry e : http.server.models().values()) {
        expected.add(e.name() + "/" + (e.version() < 0 ? "" : e.version()) + "/" + e.state());
      }
      assertThat(rows).containsExactlyElementsOf(expected);
      assertThat(rows).contains("identity_batch/1/READY", "raw_bytes/1/UNAVAILABLE");
      assertThat(dom).containsPattern("data-refreshes=\"[1-9]");
      Matcher note = Pattern.compile("<p id=\"note\"[^>]*>([^<]*)</p>").matcher(dom);
      assertThat(note.find()).isTrue();
      assertThat(note.group(1)).as("the page's note after refreshing").doesNotContain("cannot refresh");

      Path screenshot = Path.of("target", "status-page.png").toAbsolutePath();
      Files.createDirectories(screenshot.getParent());
      Files.deleteIfExists(screenshot);
      chromium(http.uri("/").toString(), "--screenshot=" + screenshot, "--window-size=1400,900",
          "--hide-scrollbars");
      assertThat(screenshot).isNotEmptyFile();
      byte[] png = Files.readAllBytes(screenshot);
      assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
  }

  /**
   * The buttons, clicked in a live chromium through its DevTools protocol (a WebSocket): unload then
   * load a model, and the server's index follows.
   */
  @Test
  void theButtonsUnloadAndLoadAModel() throws Exception {
    try (TestHttp http = TestHttp.start(ModelControlMode.EXPLICIT, o -> o, TestModels.repository())) {
      assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium; .ci/run installs it)").isExecutable();
      Path profile = Files.createTempDirectory(temp, "chromium-devtools");
      Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
          "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0", http.uri("/").toString())
          .redirectErrorStream(true).redirectOutput(temp.resolve("chromium-devtools.log").toFile()).start();
      try {
        Path portFile = profile.resolve("DevToolsActivePort");
        TestHttp.await("chromium's DevTools port", () -> Files.exists(portFile) && portFile.toFile().length() > 0);
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
        String pageSocket = null;
        for (int i = 0; i < 100 && pageSocket == null; i++) {
          var targets = TestHttp.JSON.readTree(http.client.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
              HttpResponse.BodyHandlers.ofString()).body());
          for (var t : targets) {
            if (t.path("type").asText().equals("page") && t.path("url").asText().startsWith(http.uri("/").toString())) {
              pageSocket = t.path("webSocketDebuggerUrl").asText();
            }
          }
          if (pageSocket == null) Thread.sleep(100);
        }
        assertThat(pageSocket).as("the page's DevTools socket").isNotNull();
        try (DevTools page = DevTools.connect(http.client, pageSocket)) {
          TestHttp.await("the page's first refresh", () -> !page.evaluate("document.body.dataset.refreshes || ''").isEmpty());
          page.evaluate("document.querySelector('button[data-action=unload][data-model=two_inputs]').click(), 'ok'");
          TestHttp.await("two_inputs unloaded", () -> state(http, "two_inputs") == dev.nereid.ModelState.UNAVAILABLE);
          TestHttp.await("the page's note", () -> page.evaluate("document.getElementById('note').textContent")
              .equals("unload two_inputs: done"));
          page.evaluate("document.querySelector('button[data-action=load][data-model=two_inputs]').click(), 'ok'");
          TestHttp.await("two_inputs loaded again", () -> state(http, "two_inputs") == dev.nereid.ModelState.READY);
        }
      } finally {
        chromium.destroy();
        if (!chromium.waitFor(10, TimeUnit.SECONDS)) chromium.destroyForcibly();
      }
    }
  }

  private static dev.nereid.ModelState state(TestHttp http, String model) {
    for (ModelIndexEntry e : http.server.models().values()) {
      if (e.name().equals(model)) return e.state();
    }
    return null;
  }

  /** A minimal DevTools protocol client: {@code Runtime.evaluate} over the page's WebSocket. */
  private static final class DevTools implements java.net.http.WebSocket.Listener, AutoCloseable {
    private final java.util.concurrent.LinkedBlockingQueue<String> messages = new java.util.concurrent.LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private java.net.http.WebSocket socket;
    private int ids;

    static DevTools connect(java.net.http.HttpClient client, String url) throws Exception {
      DevTools d = new DevTools();
      d.socket = client.newWebSocketBuilder().buildAsync(java.net.URI.create(url), d).get(10, TimeUnit.SECONDS);
      return d;
    }

    @Override
    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    /** Evaluates an expression in the page and returns its value as text. */
    String evaluate(String expression) {
      try {
        int id = ++ids;
        var request = TestHttp.JSON.createObjectNode().put("id", id).put("method", "Runtime.evaluate");
        request.putObject("params").put("expression", expression).put("returnByValue", true);
        socket.sendText(request.toString(), true).get(10, TimeUnit.SECONDS);
        while (true) {
          String message = messages.poll(10, TimeUnit.SECONDS);
          if (message == null) throw new AssertionError("no DevTools answer to " + expression);
          var answer = TestHttp.JSON.readTree(message);
          if (answer.path("id").asInt() == id) return answer.path("result").path("result").path("value").asText();
        }
      } catch (Exception e) {
        throw new AssertionError("DevTools evaluate failed: " + e, e);
      }
    }

    @Override
    public void close() {
      socket.abort();
    }
  }

  @Test
  void latencyHistogramsCountTheRequests() {
    try (TestHttp http = TestHttp.start(ModelControlMode.NONE, o -> o, TestModels.repository())) {
      for (int i = 0; i < 5; i++) {
        http.post("/v2/models/identity_batch/infer", "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\","
            + "\"shape\":[1,4],\"data\":[1,2,3,4]}]}");
      }
      var json = TestHttp.json(http.get("/status/latency"));
      long total = 0;
      for (var c : json.path("models").path("identity_batch")) total += c.asLong();
      assertThat(total).isEqualTo(5);
      assertThat(json.path("bounds_us").get(0).asDouble()).isEqualTo(1.0);
    }
  }

  @Test
  void restrictedRepositoryApiDisablesTheButtons() {
    try (TestHttp http = TestHttp.start(ModelControlMode.EXPLICIT,
        o -> o.restrictedApis(RestrictedApis.parse(List.of("model-repository:admin-key=secret"))), TestModels.repository())) {
      String page = http.get("/").body();
      assertThat(page).contains("Load and unload are restricted", "<code>admin-key</code>");
      assertThat(page).containsPattern("<button data-action=\"unload\" data-model=\"identity_batch\" disabled");
      assertThat(page).doesNotContain("secret");
    }
  }

  private static String cell(String cells, String field) {
    Matcher m = Pattern.compile("data-field=\"" + field + "\"[^>]*>([^<]*)<").matcher(cells);
    return m.find() ? m.group(1) : null;
  }
}
