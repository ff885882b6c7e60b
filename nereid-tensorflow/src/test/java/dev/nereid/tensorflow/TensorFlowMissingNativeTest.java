package dev.nereid.tensorflow;

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
 * Without {@code tensorflow-core-native}'s platform jar on the class path (and an empty JavaCPP cache,
 * so no library extracted earlier is found), a TensorFlow model is UNAVAILABLE with a reason naming the
 * artifact to add.
 */
class TensorFlowMissingNativeTest {
  @Test
  void missingNativeLeavesTheModelUnavailableNamingTheArtifact(@TempDir Path dir) throws Exception {
    SavedModels.export(dir.resolve("models"), "fixed", """
        platform: "tensorflow_savedmodel"
        input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "y" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """, SavedModels::fixed);
    String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
    String classPath = Arrays.stream(entries).filter(e -> !e.contains("tensorflow-core-native-1.1.0-linux"))
        .collect(Collectors.joining(File.pathSeparator));
    assertThat(classPath.split(File.pathSeparator)).hasSize(entries.length - 1);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = List.of(java, "-cp", classPath,
        "-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("javacpp-cache"), MissingNativeMain.class.getName(),
        dir.resolve("models").toString());
    Path log = dir.resolve("child.log");
    Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = child.waitFor(120, TimeUnit.SECONDS);
    if (!exited) child.destroyForcibly();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("child exited; its output:%n%s", output).isTrue();
    assertThat(output).contains("STATE UNAVAILABLE")
        .contains("TensorFlow cannot be loaded")
        .contains("add org.tensorflow:tensorflow-core-native:1.1.0:linux-x86_64");
  }
}
