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
