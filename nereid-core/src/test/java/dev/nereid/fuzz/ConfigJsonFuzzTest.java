package dev.nereid.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nereid.NereidException;
import dev.nereid.internal.config.ModelConfigs;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the parser of a load request's JSON config override: any text is a config or an
 * InvalidArgument, nothing else. Run as {@link ConfigFuzzTest} is.
 */
class ConfigJsonFuzzTest {
  @FuzzTest
  void configJsonIsAConfigOrAClearError(byte[] input) {
    try {
      ModelConfigs.parseJson(new String(input, StandardCharsets.UTF_8));
    } catch (NereidException.InvalidArgument e) {
      // A clear refusal.
    }
  }
}
