package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The boundary between Nereid's API and its internals is the {@code dev.nereid} module's descriptor, and
 * the compiler enforces it: these tests read the compiled {@code module-info.class} and compile small
 * modules against it with javac, as a user's or a backend's build would.
 *
 * <p>The siblings' own builds are the other half: nereid-onnxruntime, nereid-python and nereid-server
 * compile as the modules named here, so a sibling that starts importing an internal package not exported
 * to it fails to compile, as {@link #aModuleThatIsNoFriendCannotImportInternals} shows for any module.
 */
class ModuleBoundaryTest {
  private static final Set<String> PUBLIC_PACKAGES = Set.of("dev.nereid", "dev.nereid.spi", "dev.nereid.model", "dev.nereid.proto");

  @TempDir Path work;

  @Test
  void onlyTheApiPackagesAreExportedToEveryone() throws Exception {
    ModuleDescriptor core = coreDescriptor();
    assertThat(core.name()).isEqualTo("dev.nereid");
    assertThat(core.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source))
        .containsExactlyInAnyOrderElementsOf(PUBLIC_PACKAGES);
    assertThat(core.opens()).as("no package is open to deep reflection").isEmpty();
  }

  @Test
  void internalPackagesGoOnlyToTheSiblingsThatUseThem() throws Exception {
    Map<String, Set<String>> qualified = new TreeMap<>();
    for (ModuleDescriptor.Exports e : coreDescriptor().exports()) {
      if (e.isQualified()) qualified.put(e.source(), e.targets());
    }
    assertThat(qualified).isEqualTo(Map.of(
        "dev.nereid.internal.tensor", Set.of("dev.nereid.onnxruntime"),
        "dev.nereid.internal.config", Set.of("dev.nereid.python", "dev.nereid.server")));
  }

  @Test
  void backendsAreFoundThroughTheServiceLoader() throws Exception {
    ModuleDescriptor core = coreDescriptor();
    assertThat(core.uses()).containsExactly("dev.nereid.spi.Backend");
    assertThat(core.provides()).singleElement().satisfies(p -> {
      assertThat(p.service()).isEqualTo("dev.nereid.spi.Backend");
      // The same built-ins the class path finds through META-INF/services.
      assertThat(p.providers()).containsExactlyInAnyOrderElementsOf(servicesFileEntries());
    });
  }

  @Test
  void aModuleThatIsNoFriendCannotImportInternals() throws Exception {
    List<String> errors = compile("com.example.plugin", """
        package com.example.plugin;

        import dev.nereid.internal.config.ModelConfigs;

        public final class Peek {
          public static Object parse(String text) {
            return ModelConfigs.parseJson(text);
          }
        }
        """);
    assertThat(errors).singleElement().asString()
        .contains("package dev.nereid.internal.config is declared in module dev.nereid, which does not export it to module com.example.plugin");
  }

  @Test
  void aModuleCompilesAgainstThePublicApi() throws Exception {
    // The same set-up as above with only public packages: the failure there is the boundary, not the set-up.
    List<String> errors = compile("com.example.plugin", """
        package com.example.plugin;

        import dev.nereid.Server;
        import dev.nereid.ServerOptions;
        import dev.nereid.proto.ModelConfig;
        import dev.nereid.spi.ResponseFlag;
        import java.nio.file.Path;

        public final class Use {
          public static Server server(Path repository) {
            return new Server(ServerOptions.of(repository));
          }

          public static ModelConfig config() {
            return ModelConfig.newBuilder().setName("m").build();
          }

          public static ResponseFlag last() {
            return ResponseFlag.FINAL;
          }
        }
        """);
    assertThat(errors).isEmpty();
  }

  @Test
  void aNamedSiblingMayImportWhatIsExportedToIt() throws Exception {
    List<String> errors = compile("dev.nereid.python", """
        package dev.nereid.python;

        import dev.nereid.internal.config.ModelConfigs;
        import dev.nereid.proto.ModelConfig;

        public final class Peek {
          public static String json(ModelConfig config) {
            return ModelConfigs.toJson(config);
          }
        }
        """);
    assertThat(errors).isEmpty();
  }

  /** Compiles one class in a module that requires dev.nereid; returns javac's error messages. */
  private List<String> compile(String module, String source) throws Exception {
    String packageName = source.lines().findFirst().orElseThrow().replace("package ", "").replace(";", "").strip();
    String className = source.lines().filter(l -> l.startsWith("public final class "))
        .findFirst().orElseThrow().split(" ")[3];
    Path src = work.resolve("src");
    Path file = src.resolve(packageName.replace('.', '/')).resolve(className + ".java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, source, StandardCharsets.UTF_8);
    Path moduleInfo = src.resolve("module-info.java");
    Files.writeString(moduleInfo, "module " + module + " { requires dev.nereid; }\n", StandardCharsets.UTF_8);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
      // An empty class path: javac would otherwise default to this JVM's, where every package is visible.
      Path emptyClassPath = Files.createDirectories(work.resolve("empty"));
      List<String> options = List.of("--release", "21", "-proc:none", "-d", work.resolve("out").toString(),
          "--module-path", modulePath(), "-classpath", emptyClassPath.toString());
      boolean ok = javac.getTask(null, files, diagnostics, options, null,
          files.getJavaFileObjects(moduleInfo, file)).call();
      List<String> errors = diagnostics.getDiagnostics().stream()
          .filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)
          .map(d -> d.getMessage(null)).toList();
      assertThat(ok).as("javac's verdict agrees with its errors: %s", errors).isEqualTo(errors.isEmpty());
      return errors;
    }
  }

  /** dev.nereid's classes and the modules it requires, found on this test's class path. */
  private static String modulePath() throws Exception {
    Set<String> required = coreDescriptor().requires().stream().map(ModuleDescriptor.Requires::name)
        .collect(Collectors.toSet());
    List<String> path = new ArrayList<>();
    path.add(coreClasses().toString());
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.endsWith(".jar")) continue;
      try {
        for (ModuleReference ref : ModuleFinder.of(Path.of(entry)).findAll()) {
          if (required.contains(ref.descriptor().name())) path.add(entry);
        }
      } catch (FindException notAModule) {
        // A jar with no usable module name is not one dev.nereid requires.
      }
    }
    return String.join(java.io.File.pathSeparator, path);
  }

  private static Path coreClasses() throws URISyntaxException {
    return Path.of(Server.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static ModuleDescriptor coreDescriptor() throws IOException, URISyntaxException {
    try (InputStream in = Files.newInputStream(coreClasses().resolve("module-info.class"))) {
      return ModuleDescriptor.read(in);
    }
  }

  private static List<String> servicesFileEntries() throws IOException, URISyntaxException {
    return Files.readAllLines(coreClasses().resolve("META-INF/services/dev.nereid.spi.Backend")).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }
}
