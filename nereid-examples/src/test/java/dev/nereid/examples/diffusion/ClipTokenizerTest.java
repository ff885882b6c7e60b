package dev.nereid.examples.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {
  @Test
  void encodesLikeThePythonReference() throws IOException {
    ClipTokenizer tokenizer = ClipTokenizer.load(TestFiles.TOKENIZER);
    JsonNode cases = TestFiles.json("tokenizer_cases.json");
    assertThat(cases.size()).isGreaterThan(5);
    for (JsonNode c : cases) {
      int[] expected = IntStream.range(0, c.get("ids").size()).map(i -> c.get("ids").get(i).intValue()).toArray();
      assertThat(tokenizer.encode(c.get("text").asText())).as("ids of '%s'", c.get("text").asText()).containsExactly(expected);
    }
  }

  @Test
  void specialIdsComeFromTheVocabulary() throws IOException {
    ClipTokenizer tokenizer = ClipTokenizer.load(TestFiles.TOKENIZER);
    // The tiny vocabulary: 512 byte symbols, 253 merges, then the two special tokens (CLIP: 49406, 49407).
    assertThat(tokenizer.bosId()).isEqualTo(765);
    assertThat(tokenizer.eosId()).isEqualTo(766);
    assertThat(tokenizer.padId()).isEqualTo(766);
    int[] ids = tokenizer.encode("a");
    assertThat(ids).hasSize(77);
    assertThat(ids[0]).isEqualTo(765);
    assertThat(ids[1]).isEqualTo(320); // "a</w>", as in CLIP's own vocabulary
    assertThat(ids[2]).isEqualTo(766);
  }

  @Test
  void padsWithThePadTokenOfTheSpecialTokensMap(@TempDir Path dir) throws IOException {
    copyTokenizer(dir);
    Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": {\"content\": \"!\", \"lstrip\": false}}");
    ClipTokenizer tokenizer = ClipTokenizer.load(dir);
    assertThat(tokenizer.padId()).isZero(); // "!" is the first byte symbol, as in Stable Diffusion 2's tokenizer
    assertThat(tokenizer.encode("a")).endsWith(0, 0).contains(766);
  }

  @Test
  void missingOrBrokenFilesAreNamed(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> ClipTokenizer.load(dir)).isInstanceOf(IOException.class).hasMessageContaining("vocab.json");
    copyTokenizer(dir);
    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b c\n");
    assertThatThrownBy(() -> ClipTokenizer.load(dir)).hasMessageContaining("merges.txt line 2");
    copyTokenizer(dir);
    Files.writeString(dir.resolve("vocab.json"), "{\"a\": 1}");
    assertThatThrownBy(() -> ClipTokenizer.load(dir)).hasMessageContaining("<|startoftext|>");
    Files.writeString(dir.resolve("vocab.json"), "{\"a\": ");
    assertThatThrownBy(() -> ClipTokenizer.load(dir)).hasMessageContaining("not valid JSON");
  }

  private static void copyTokenizer(Path dir) throws IOException {
    for (String name : new String[] {"vocab.json", "merges.txt"}) {
      Files.copy(TestFiles.TOKENIZER.resolve(name), dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
