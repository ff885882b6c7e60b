package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime 1.29.0 crashes (SIGSEGV, exit 139) in {@code OrtEnvironment.getEnvironment()} when the
 * process command line is over about 4 KB; 1.28.0 does not. Surefire's own command line is short, so
 * this starts a JVM whose command line is over 8 KB and has it load and run a model through Nereid.
 */
class OnnxLongCommandLineTest {
  @Test
  void modelLoadsInAJvmWithACommandLineOverFourKilobytes(@TempDir Path dir) throws Exception {
    new TestRepository(dir.resolve("models")).add("dynamic", "dynamic.onnx", null);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String padding = "-Dnereid.test.padding=" + "x".repeat(8192);
    List<String> command = List.of(java, "-cp", System.getProperty("java.class.path"), padding,
        LongCommandLineMain.class.getName(), dir.resolve("models").toString());
    assertThat(String.join(" ", command).length()).isGreaterThan(8192);

    Path log = dir.resolve("child.log");
    Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = child.waitFor(120, TimeUnit.SECONDS);
    if (!exited) child.destroyForcibly();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("child exited; its output:%n%s", output).isTrue();
    assertThat(child.exitValue()).as("exit status (139 is the 1.29.0 crash); output:%n%s", output).isZero();
    assertThat(new File(System.getProperty("java.class.path").split(File.pathSeparator)[0])).exists();
  }
}
