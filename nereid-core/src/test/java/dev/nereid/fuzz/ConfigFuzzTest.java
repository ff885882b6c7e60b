package dev.nereid.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nereid.NereidException;
import dev.nereid.internal.config.ConfigValidator;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.proto.ModelConfig;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the config parser and validator: any text, as {@code config.pbtxt} or as a load request's
 * JSON override, is either a config or an InvalidArgument; nothing else may escape (no
 * NullPointerException, no IndexOutOfBounds, no StackOverflowError from deep nesting), and a config
 * that parses prints back to JSON that parses to the same config.
 *
 * <p>{@code ./mvnw verify} runs it briefly (see the fuzz execution in nereid-core's pom); for a long
 * run: {@code ./mvnw -pl nereid-core -am verify -Dfuzz.minutes=30}. Seeds: configs from the
 * malformed-config corpus and a valid one, under {@code src/test/resources/dev/nereid/fuzz/ConfigFuzzTestInputs}
 * (a finding is written there too, and then runs as a regression test in every build).
 */
class ConfigFuzzTest {
  @FuzzTest
  void configTextIsAConfigOrAClearError(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    ModelConfig config;
    try {
      config = ModelConfigs.parseText(text, "config.pbtxt");
    } catch (NereidException.InvalidArgument e) {
      return;
    }
    try {
      ConfigValidator.validate(config, config.getName().isEmpty() ? "fuzzed" : config.getName(), "config.pbtxt");
      ConfigValidator.validateDeclared(config, config.getName().isEmpty() ? "fuzzed" : config.getName(), "config.pbtxt");
    } catch (NereidException.InvalidArgument e) {
      // A clear refusal.
    }
    ModelConfig again = ModelConfigs.parseJson(ModelConfigs.toJson(config));
    if (!again.equals(config)) {
      throw new AssertionError("JSON round trip changed the config:\n" + config + "\nvs\n" + again);
    }
  }
}
