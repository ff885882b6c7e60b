package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.testing.javamodels.JavaModelEvents;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java models from {@code <version>/model.jar}, compiled at test time: each version in a class loader
 * of its own, two versions side by side, and unloading closes the loader.
 */
class JavaModelJarTest {
  @TempDir Path repo;
  @TempDir Path work;

  /** The same class in every jar, answering its build's label and its loader's name; and a class nothing loads. */
  private static List<String[]> sources(String label) {
    String model = """
        package jarmodel;

        import dev.nereid.Tensor;
        import dev.nereid.model.JavaModel;
        import dev.nereid.model.JavaModelContext;
        import dev.nereid.proto.DataType;
        import dev.nereid.proto.ModelConfig;
        import dev.nereid.proto.ModelOutput;
        import dev.nereid.spi.BackendRequest;
        import dev.nereid.spi.Batch;
        import dev.nereid.spi.ResponseFlag;
        import dev.nereid.testing.javamodels.JavaModelEvents;
        import java.util.Map;

        public final class VersionedModel implements JavaModel {
          private String key;

          public static ModelConfig autoCompleteConfig(ModelConfig config) {
            if (config.getOutputCount() > 0) return config;
            return config.toBuilder()
                .addOutput(ModelOutput.newBuilder().setName("LABEL").setDataType(DataType.TYPE_STRING).addDims(1))
                .build();
          }

          @Override
          public void initialize(JavaModelContext context) {
            key = context.modelName() + "/" + context.modelVersion() + "/" + context.instanceName();
            JavaModelEvents.loader(key, getClass().getClassLoader());
            JavaModelEvents.initialized(key);
          }

          @Override
          public void execute(Batch batch) {
            String text = "%s " + getClass().getClassLoader().getName();
            for (BackendRequest r : batch.requests()) {
              r.responder().send(Map.of("LABEL", Tensor.of(new String[] {text}, 1)), ResponseFlag.FINAL);
            }
          }

          @Override
          public void finalizeModel() {
            JavaModelEvents.finalized(key);
          }
        }
        """.formatted(label);
    String helper = "package jarmodel;\npublic final class Helper {}\n";
    return List.of(new String[] {"jarmodel/VersionedModel.java", model}, new String[] {"jarmodel/Helper.java", helper});
  }

  @Test
  void twoVersionsFromTheirOwnJarsServeSideBySideAndUnloadingClosesTheirLoaders() throws Exception {
    TestRepository models = new TestRepository(repo).model("versioned", JavaModels.config("jarmodel.VersionedModel",
        "version_policy: { all { } }"), 1, 2);
    JavaModels.compileJar(work.resolve("v1"), models.dir("versioned").resolve("1/model.jar"), sources("one"));
    JavaModels.compileJar(work.resolve("v2"), models.dir("versioned").resolve("2/model.jar"), sources("two"));
    // The class is only in the jars, not on the test class path.
    assertThatThrownBy(() -> Class.forName("jarmodel.VersionedModel")).isInstanceOf(ClassNotFoundException.class);

    Server server = new Server(ServerOptions.builder().modelRepository(repo)
        .modelControlMode(ModelControlMode.EXPLICIT).build()).start();
    try {
      server.load("versioned");
      assertThat(label(server.model("versioned", 1))).isEqualTo("one nereid-model-versioned-v1");
      assertThat(label(server.model("versioned", 2))).isEqualTo("two nereid-model-versioned-v2");
      assertThat(label(server.model("versioned"))).startsWith("two");
      // The output came from the jar's static autoCompleteConfig.
      assertThat(server.model("versioned").config().getOutput(0).getName()).isEqualTo("LABEL");

      ClassLoader v1 = JavaModelEvents.loader("versioned/1/versioned_0");
      ClassLoader v2 = JavaModelEvents.loader("versioned/2/versioned_0");
      assertThat(v1).isInstanceOf(URLClassLoader.class).isNotSameAs(v2);
      assertThat(v1.getParent()).isSameAs(JavaModelEvents.class.getClassLoader());
      assertThat(v1.loadClass("jarmodel.VersionedModel")).isNotSameAs(v2.loadClass("jarmodel.VersionedModel"));

      server.unload("versioned", UnloadOption.WAIT);
      assertThat(JavaModelEvents.finalizedStartingWith("versioned/"))
          .containsExactlyInAnyOrder("versioned/1/versioned_0", "versioned/2/versioned_0");
      // A closed loader loads nothing new: Helper was never loaded before.
      assertThatThrownBy(() -> v1.loadClass("jarmodel.Helper")).isInstanceOf(ClassNotFoundException.class);
      assertThatThrownBy(() -> v2.loadClass("jarmodel.Helper")).isInstanceOf(ClassNotFoundException.class);
    } finally {
      server.stop();
    }
  }

  @Test
  void aJarWithoutTheNamedClassNamesTheJarInTheReason() {
    TestRepository models = new TestRepository(repo).model("wrong", JavaModels.config("jarmodel.Missing", ""), 1);
    JavaModels.compileJar(work, models.dir("wrong").resolve("1/model.jar"), sources("x"));
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.model("wrong").reason()).contains("class 'jarmodel.Missing' not found in "
          + models.dir("wrong").resolve("1/model.jar") + " or on the class path");
    }
  }

  private static String label(Model model) {
    return model.infer(Map.of()).next().output("LABEL").toStrings()[0];
  }
}
