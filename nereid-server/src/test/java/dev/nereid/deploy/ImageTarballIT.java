package dev.nereid.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image tarball the {@code image} profile builds (target/nereid-image.tar): its index,
 * manifest and config (entrypoint, arguments, user, ports, volume, environment) against the pom's
 * definition, the layers holding the runtime, the C libraries, the jars and ONNX Runtime's natives; then
 * the image's root file system run for real with its own entrypoint, as its non-root user, in a chroot
 * with a private mount and PID namespace (container runtimes cannot run on the build machines: see
 * README.md, "Run the image"): ready, an ONNX inference, SIGTERM, exit 0.
 */
class ImageTarballIT {
  static final Path TARBALL = Path.of("target", "nereid-image.tar");
  static final ObjectMapper JSON = new ObjectMapper();

  static ImageDefinition image;
  static JsonNode config;
  static Map<String, byte[]> blobs = new HashMap<>();
  static List<String> layers = new ArrayList<>();

  @BeforeAll
  static void read() throws Exception {
    image = ImageDefinition.fromPom();
    assertThat(TARBALL).as("built by ./mvnw -pl nereid-server -am verify -Pimage").exists();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(TARBALL))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        if (entry.isFile()) {
          blobs.put(entry.getName(), tar.readAllBytes());
        }
      }
    }
    JsonNode index = JSON.readTree(blobs.get("index.json"));
    assertThat(index.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(new String(blobs.get("oci-layout"), StandardCharsets.UTF_8)).contains("\"imageLayoutVersion\"");
    JsonNode manifest = JSON.readTree(blob(index.path("manifests").get(0).path("digest").asText()));
    assertThat(manifest.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    config = JSON.readTree(blob(manifest.path("config").path("digest").asText())).path("config");
    for (JsonNode layer : manifest.path("layers")) {
      assertThat(layer.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
      layers.add(layer.path("digest").asText());
    }
  }

  static byte[] blob(String digest) {
    byte[] bytes = blobs.get("blobs/sha256/" + digest.substring("sha256:".length()));
    assertThat(bytes).as(digest).isNotNull();
    return bytes;
  }

  /** Every layer's entries, path to mode, in layer order. */
  static Map<String, Integer> entries() throws IOException {
    Map<String, Integer> all = new LinkedHashMap<>();
    for (String layer : layers) {
      try (TarArchiveInputStream tar = layerTar(layer)) {
        for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
          all.put(entry.getName().replaceFirst("^\\./", "").replaceFirst("/$", ""), entry.getMode());
        }
      }
    }
    return all;
  }

  static TarArchiveInputStream layerTar(String digest) throws IOException {
    return new TarArchiveInputStream(new GZIPInputStream(new java.io.ByteArrayInputStream(blob(digest))));
  }

  @Test
  void configRunsNereidServeAsTheNonRootUserOnTheKServePorts() {
    assertThat(config.path("User").asText()).isEqualTo(image.user()).isEqualTo("10001:10001");
    List<String> ports = new ArrayList<>();
    config.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    assertThat(ports).containsExactlyInAnyOrder("8000/tcp", "8001/tcp", "8002/tcp");
    List<String> entrypoint = strings(config.path("Entrypoint"));
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint).contains("-XX:MaxRAMPercentage=75").endsWith("dev.nereid.cli.NereidCli");
    assertThat(strings(config.path("Cmd"))).isEqualTo(image.args())
        .containsSubsequence("serve", "--model-repository", "/models", "--address", "0.0.0.0");
    assertThat(strings(config.path("Env"))).contains("PATH=/opt/java/bin:/usr/bin:/bin", "HOME=/home/nereid");
    assertThat(config.path("Volumes").has("/models")).isTrue();
  }

  @Test
  void layersHoldTheRuntimeTheLibrariesTheJarsAndTheNatives() throws IOException {
    Map<String, Integer> entries = entries();
    assertThat(entries.get("opt/java/bin/java") & 0111).as("java is executable").isNotZero();
    assertThat(entries).containsKeys("opt/java/lib/server/libjvm.so", "lib64/ld-linux-x86-64.so.2",
        "lib/x86_64-linux-gnu/libc.so.6", "lib/x86_64-linux-gnu/libstdc++.so.6", "etc/passwd",
        "app/jib-classpath-file", "app/classes/dev/nereid/cli/NereidCli.class",
        "app/libs/onnxruntime-1.28.0.jar", "app/libs/tokenizers-0.38.0.jar");
    assertThat(entries.get("tmp") & 0777).isEqualTo(0777);
    assertThat(entries.get("home/nereid") & 0777).isEqualTo(0777);
    // Nothing of the build machine's paths leaks in.
    assertThat(entries.keySet()).noneMatch(name -> name.startsWith("work/") || name.startsWith("root/"));

    String passwd = new String(file("etc/passwd"), StandardCharsets.UTF_8);
    assertThat(passwd).contains("nereid:x:10001:10001:nereid:/home/nereid:");
    // ONNX Runtime's Linux x86-64 natives ride in its jar, which the JVM unpacks to /tmp at run time.
    List<String> natives = new ArrayList<>();
    try (ZipInputStream jar = new ZipInputStream(new java.io.ByteArrayInputStream(file("app/libs/onnxruntime-1.28.0.jar")))) {
      for (var entry = jar.getNextEntry(); entry != null; entry = jar.getNextEntry()) {
        if (entry.getName().startsWith("ai/onnxruntime/native/linux-x64/")) {
          natives.add(entry.getName());
        }
      }
    }
    assertThat(natives).contains("ai/onnxruntime/native/linux-x64/libonnxruntime.so",
        "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so");
  }

  static byte[] file(String name) throws IOException {
    for (String layer : layers) {
      try (TarArchiveInputStream tar = layerTar(layer)) {
        for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
          if (entry.getName().replaceFirst("^\\./", "").equals(name)) {
            return tar.readAllBytes();
          }
        }
      }
    }
    throw new AssertionError(name + " is in no layer");
  }

  @Test
  void theImageServesAndStopsOnSigterm(@TempDir Path temp) throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name"))
            && Files.isExecutable(Path.of("/usr/sbin/chroot")) && Files.isExecutable(Path.of("/usr/bin/unshare")),
        "running the root file system needs root, chroot and unshare");
    Path root = Files.createDirectories(temp.resolve("rootfs"));
    for (String layer : layers) {
      unpack(layer, root);
    }
    // Container runtimes make the mount point themselves; so does this test.
    Files.createDirectories(root.resolve("proc"));
    // The models: identity, and MiniLM through ONNX Runtime's natives.
    Path models = root.resolve("models");
    Path examples = Path.of("..", "examples", "models");
    for (String model : List.of("identity", "all_minilm_l6_v2")) {
      try (var walk = Files.walk(examples.resolve(model))) {
        for (Path source : walk.toList()) {
          Path target = models.resolve(examples.relativize(source).toString());
          if (Files.isDirectory(source)) {
            Files.createDirectories(target);
          } else {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }

    List<String> command = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--pid", "--fork",
        "--mount-proc=" + root.resolve("proc"), "/usr/sbin/chroot", "--userspec=" + image.user(), root.toString()));
    List<String> entrypoint = strings(config.path("Entrypoint"));
    command.add("/opt/java/bin/" + entrypoint.get(0));
    command.addAll(entrypoint.subList(1, entrypoint.size()));
    // The image's own arguments, with free ports: the test shares the machine's network.
    List<String> args = new ArrayList<>(strings(config.path("Cmd")));
    args.addAll(List.of("--http-port", "0", "--grpc-port", "0", "--metrics-port", "0"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    for (String variable : strings(config.path("Env"))) {
      String[] kv = variable.split("=", 2);
      builder.environment().put(kv[0], kv[1]);
    }
    builder.environment().put("JAVA_TOOL_OPTIONS", "-Xmx300m");
    Process process = builder.start();
    StringBuffer output = new StringBuffer();
    Thread.ofPlatform().daemon().start(() -> {
      try (InputStream in = process.getInputStream()) {
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) > 0; ) {
          output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    try {
      Matcher http = await(output, process, Pattern.compile("Started HTTPService at 0\\.0\\.0\\.0:(\\d+)"));
      await(output, process, Pattern.compile("nereid serve is ready"));
      assertThat(output.toString()).contains("Picked up JAVA_TOOL_OPTIONS: -Xmx300m");
      String base = "http://127.0.0.1:" + http.group(1);
      HttpClient client = HttpClient.newHttpClient();
      assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      HttpResponse<String> infer = client.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/all_minilm_l6_v2/infer"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":["
              + "{\"name\":\"input_ids\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[101,7592,2088,102]},"
              + "{\"name\":\"attention_mask\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,1,1,1]},"
              + "{\"name\":\"token_type_ids\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[0,0,0,0]}]}"))
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(infer.statusCode()).as(infer.body()).isEqualTo(200);
      JsonNode output0 = JSON.readTree(infer.body()).path("outputs").get(0);
      assertThat(strings(output0.path("shape"))).containsExactly("1", "4", "384");

      // SIGTERM to nereid (the namespace's first process, child of unshare): it drains and exits 0.
      List<ProcessHandle> children = process.children().toList();
      assertThat(children).hasSize(1);
      children.get(0).destroy();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output.toString()).isTrue();
      assertThat(process.exitValue()).as(output.toString()).isZero();
      assertThat(output.toString()).contains("nereid serve stopped");
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  static Matcher await(StringBuffer output, Process process, Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      Matcher matcher = pattern.matcher(output);
      if (matcher.find()) {
        return matcher;
      }
      if (!process.isAlive()) {
        throw new AssertionError("the image's process exited with " + process.exitValue() + ":\n" + output);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no '" + pattern + "' within 180 s:\n" + output);
  }

  static void unpack(String layer, Path root) throws IOException {
    Map<Path, Integer> directoryModes = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = layerTar(layer)) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        Path target = root.resolve(entry.getName()).normalize();
        assertThat(target.startsWith(root)).as(entry.getName()).isTrue();
        if (entry.isDirectory()) {
          Files.createDirectories(target);
          directoryModes.put(target, entry.getMode());
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(target.getParent());
          Files.deleteIfExists(target);
          Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else if (entry.isFile()) {
          Files.createDirectories(target.getParent());
          Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(target, permissions(entry.getMode()));
        }
      }
    }
    for (var directory : directoryModes.entrySet()) {
      Files.setPosixFilePermissions(directory.getKey(), permissions(directory.getValue()));
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(node -> values.add(node.asText()));
    return values;
  }
}
