package dev.nereid;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/** Configs and jars for Java models in tests. */
final class JavaModels {
  private JavaModels() {}

  /** A config serving this class with the java backend, with more lines appended. */
  static String config(Class<?> modelClass, String extra) {
    return config(modelClass.getName(), extra);
  }

  /** A config serving the named class with the java backend, with more lines appended. */
  static String config(String className, String extra) {
    return "backend: \"java\"\n"
        + "parameters { key: \"class\" value { string_value: \"" + className + "\" } }\n"
        + extra + "\n";
  }

  /**
   * Compiles Java sources (file name relative to the source root, e.g. {@code a/B.java}, to source text)
   * against the test class path and writes the classes into a jar.
   */
  static void compileJar(Path work, Path jar, List<String[]> sources) {
    try {
      Path src = Files.createDirectories(work.resolve("src"));
      Path classes = Files.createDirectories(work.resolve("classes"));
      String[] args = new String[4 + sources.size()];
      args[0] = "-d";
      args[1] = classes.toString();
      args[2] = "-cp";
      args[3] = System.getProperty("java.class.path");
      for (int i = 0; i < sources.size(); i++) {
        Path file = src.resolve(sources.get(i)[0]);
        Files.createDirectories(file.getParent());
        Files.writeString(file, sources.get(i)[1]);
        args[4 + i] = file.toString();
      }
      int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, args);
      if (status != 0) throw new AssertionError("javac failed with status " + status);
      Files.createDirectories(jar.getParent());
      try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out);
          Stream<Path> files = Files.walk(classes)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          jarOut.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
          jarOut.write(Files.readAllBytes(f));
          jarOut.closeEntry();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
