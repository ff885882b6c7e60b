package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps README.md honest: its set-up commands, and its Java hello world compiled, run and checked. */
class ReadmeTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void setUpIsExactlyTheTwoCommandsAndCiRunsTheTestOne() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String setUp = block(readme, "## Set up.*?```sh\n(.*?)```");

    assertThat(setUp.lines()).containsExactly(
        "./nereid serve",
        "./mvnw -B verify");
    assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("\n./mvnw -B verify ");
  }

  @Test
  void javaHelloWorldCompilesRunsAndPrintsWhatTheReadmeSays(@TempDir Path dir) throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String source = block(readme, "```java\n(.*?)```");
    String expected = block(readme, "```sh\njava -cp [^\n]*\n```\n\n[^`]*```\n(.*?)```");
    // The README runs from the repository root; this test runs in nereid-server.
    Path examples = ROOT.resolve("examples/models");
    String here = source.replace("Path.of(\"examples/models\")", "Path.of(\"" + examples.toString().replace("\\", "\\\\") + "\")");
    assertThat(here).isNotEqualTo(source);
    Path file = Files.writeString(dir.resolve("HelloNereid.java"), here);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status = javac.run(null, null, null, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
        file.toString());
    assertThat(status).as("javac exit status").isZero();

    assertThat(runMain(dir, "HelloNereid")).isEqualTo(expected);
  }

  private static String runMain(Path classes, String className) throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeTest.class.getClassLoader())) {
      Method main = loader.loadClass(className).getMethod("main", String[].class);
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) new String[0]);
    } finally {
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static String block(String text, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
    assertThat(m.find()).as("README has a block matching %s", regex).isTrue();
    return m.group(1);
  }
}
