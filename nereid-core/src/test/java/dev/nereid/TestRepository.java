package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A model repository in a test's temporary folder: model folders with a config written from text and
 * version folders. The built-in backends need no model files, so a version folder is just a folder.
 */
final class TestRepository {
  /** An identity model copying INPUT0 (FP32, any length) to OUTPUT0, without batching. */
  static final String IDENTITY = """
      backend: "identity"
      max_batch_size: 0
      input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
      output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
      """;

  final Path root;

  TestRepository(Path root) {
    this.root = root;
  }

  /** The identity config with more lines appended (a version policy, parameters, a name). */
  static String identity(String extra) {
    return IDENTITY + extra + "\n";
  }

  /** Writes a model folder: {@code config.pbtxt} with this text and the given version folders. */
  TestRepository model(String name, String config, long... versions) {
    writeConfig(name, config);
    for (long v : versions) version(name, v);
    return this;
  }

  /** An identity model with these versions (version 1 when none is given). */
  TestRepository identityModel(String name, long... versions) {
    return model(name, IDENTITY, versions.length == 0 ? new long[] {1} : versions);
  }

  /** Replaces (or creates) a model's config. */
  TestRepository writeConfig(String name, String config) {
    try {
      Files.createDirectories(dir(name));
      Files.writeString(dir(name).resolve("config.pbtxt"), config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Adds a version folder. */
  TestRepository version(String name, long version) {
    return folder(name, Long.toString(version));
  }

  /** Adds any folder inside a model's folder. */
  TestRepository folder(String name, String folder) {
    try {
      Files.createDirectories(dir(name).resolve(folder));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Deletes a model's folder and everything in it. */
  TestRepository remove(String name) {
    try (var walk = Files.walk(dir(name))) {
      for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  Path dir(String name) {
    return root.resolve(name);
  }

  // --- assertions and helpers shared by the lifecycle tests

  /** Sends FP32 values through an identity model and returns what came back, checking one final response. */
  static float[] echo(Model model, float... values) {
    return echoResponse(model, values).output("OUTPUT0").toFloatArray();
  }

  /** Sends FP32 values through an identity model and returns its single, final response. */
  static InferenceResponse echoResponse(Model model, float... values) {
    List<InferenceResponse> responses = new ArrayList<>();
    model.infer(java.util.Map.of("INPUT0", Tensor.of(values, values.length))).forEachRemaining(responses::add);
    assertThat(responses).hasSize(1);
    assertThat(responses.get(0).isFinal()).isTrue();
    return responses.get(0);
  }

  /** The index row of (name, version); fails when there is none. */
  static ModelIndexEntry row(Server server, String name, long version) {
    ModelIndexEntry row = server.models().get(new ModelKey(name, version));
    assertThat(row).as("index row %s v%s in %s", name, version, server.models()).isNotNull();
    return row;
  }

  /** Waits, polling, until the condition holds; fails after the timeout. For background work only. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what, e);
      }
    }
  }
}
