package dev.nereid.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code pytorch-native-cpu} on the class path (and an empty DJL cache, so no libtorch
 * extracted earlier is found), a PyTorch model is UNAVAILABLE with a reason naming the artifact to add;
 * nothing is downloaded.
 */
class PyTorchMissingNativeTest {
  @Test
  void missingLibtorchLeavesTheModelUnavailableNamingTheArtifact(@TempDir Path dir) throws Exception {
    new TestRepository(dir.resolve("models")).add("add_sub", "add_sub.pt", """
        backend: "pytorch"
        input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "INPUT__1" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """);
    String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
    String classPath = Arrays.stream(entries).filter(e -> !e.contains("pytorch-native-cpu"))
        .collect(Collectors.joining(File.pathSeparator));
    assertThat(classPath.split(File.pathSeparator)).hasSize(entries.length - 1);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = List.of(java, "-cp", classPath, "-DDJL_CACHE_DIR=" + dir.resolve("djl-cache"),
        "-DENGINE_CACHE_DIR=" + dir.resolve("engine-cache"), MissingNativeMain.class.getName(),
        dir.resolve("models").toString());
    Path log = dir.resolve("child.log");
    Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = child.waitFor(120, TimeUnit.SECONDS);
    if (!exited) child.destroyForcibly();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("child exited; its output:%n%s", output).isTrue();
    assertThat(output).contains("STATE UNAVAILABLE")
        .contains("libtorch cannot be loaded")
        .contains("add ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64");
  }
}
