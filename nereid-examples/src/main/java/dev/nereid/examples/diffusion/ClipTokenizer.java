package dev.nereid.examples.diffusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, reading the {@code vocab.json} and {@code merges.txt} that a
 * Stable Diffusion export ships in its {@code tokenizer/} folder. It does what Hugging Face's
 * {@code CLIPTokenizer} does without ftfy: NFC normalisation, whitespace collapsed, lower case, CLIP's
 * word pattern, each word's UTF-8 bytes mapped to printable characters and merged by rank with an
 * end-of-word mark {@code </w>} on its last symbol; then the start token, at most 75 word tokens, the
 * end token, and padding to 77 ids.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClipTokenizer {
  /** CLIP's context length: every encoding has this many ids. */
  public static final int MAX_LENGTH = 77;

  static final String BOS = "<|startoftext|>";
  static final String EOS = "<|endoftext|>";
  private static final String END_OF_WORD = "</w>";
  private static final Pattern WORDS = Pattern.compile(
      "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
      Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final char[] BYTE_CHARS = byteChars();

  private final Map<String, Integer> vocab;
  private final Map<String, Integer> mergeRanks;
  private final int bos;
  private final int eos;
  private final int pad;

  private ClipTokenizer(Map<String, Integer> vocab, Map<String, Integer> mergeRanks, int pad) {
    this.vocab = vocab;
    this.mergeRanks = mergeRanks;
    this.bos = vocab.get(BOS);
    this.eos = vocab.get(EOS);
    this.pad = pad;
  }

  /**
   * Reads {@code vocab.json} and {@code merges.txt} from a tokenizer folder, and the padding token from
   * its {@code special_tokens_map.json} when there is one (Stable Diffusion 1.x pads with the end token,
   * 2.x with {@code !}); without one, it pads with the end token.
   *
   * @throws IOException when a file is missing or malformed; the message names the file
   */
  public static ClipTokenizer load(Path directory) throws IOException {
    Path vocabFile = directory.resolve("vocab.json");
    Path mergesFile = directory.resolve("merges.txt");
    for (Path file : List.of(vocabFile, mergesFile)) {
      if (!Files.isRegularFile(file)) {
        throw new IOException("the CLIP tokenizer file " + file + " is missing");
      }
    }
    Map<String, Integer> vocab = readVocab(vocabFile);
    Map<String, Integer> ranks = readMerges(mergesFile);
    for (String special : List.of(BOS, EOS)) {
      if (!vocab.containsKey(special)) {
        throw new IOException(vocabFile + " has no '" + special + "' token: not a CLIP vocabulary");
      }
    }
    String padToken = readPadToken(directory.resolve("special_tokens_map.json")).orElse(EOS);
    Integer pad = vocab.get(padToken);
    if (pad == null) {
      throw new IOException("the pad token '" + padToken + "' of " + directory.resolve("special_tokens_map.json")
          + " is not in " + vocabFile);
    }
    return new ClipTokenizer(vocab, ranks, pad);
  }

  /** The id of the start-of-text token. */
  public int bosId() {
    return bos;
  }

  /** The id of the end-of-text token. */
  public int eosId() {
    return eos;
  }

  /** The id that fills the encoding after the end token. */
  public int padId() {
    return pad;
  }

  /** The ids of a text: start token, at most 75 word tokens, end token, padding: {@value #MAX_LENGTH} ids. */
  public int[] encode(String text) {
    int[] ids = new int[MAX_LENGTH];
    Arrays.fill(ids, pad);
    ids[0] = bos;
    int n = 1;
    Matcher words = WORDS.matcher(clean(text));
    while (words.find() && n < MAX_LENGTH - 1) {
      for (String symbol : bpe(words.group())) {
        if (n == MAX_LENGTH - 1) break;
        // A symbol missing from the vocabulary is CLIP's unknown token, which is the end token.
        ids[n++] = vocab.getOrDefault(symbol, eos);
      }
    }
    ids[n] = eos;
    return ids;
  }

  private static String clean(String text) {
    String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
    return WHITESPACE.matcher(nfc).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
  }

  /** A word's symbols after every merge that applies, lowest rank first. */
  private List<String> bpe(String word) {
    if (word.equals(BOS) || word.equals(EOS)) {
      return List.of(word);
    }
    List<String> symbols = byteSymbols(word);
    int last = symbols.size() - 1;
    symbols.set(last, symbols.get(last) + END_OF_WORD);
    while (symbols.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      String first = null;
      String second = null;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer rank = mergeRanks.get(pairKey(symbols.get(i), symbols.get(i + 1)));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          first = symbols.get(i);
          second = symbols.get(i + 1);
        }
      }
      if (first == null) break;
      List<String> merged = new ArrayList<>(symbols.size());
      for (int i = 0; i < symbols.size(); i++) {
        if (i + 1 < symbols.size() && symbols.get(i).equals(first) && symbols.get(i + 1).equals(second)) {
          merged.add(first + second);
          i++;
        } else {
          merged.add(symbols.get(i));
        }
      }
      symbols = merged;
    }
    return symbols;
  }

  /** One symbol per UTF-8 byte of the word, each byte as its printable stand-in character. */
  private static List<String> byteSymbols(String word) {
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    List<String> symbols = new ArrayList<>(bytes.length);
    for (byte b : bytes) symbols.add(String.valueOf(BYTE_CHARS[b & 0xFF]));
    return symbols;
  }

  /**
   * GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the other 68 bytes
   * for the characters from U+0100 on, in byte order; so no symbol is whitespace or a control character.
   */
  private static char[] byteChars() {
    char[] chars = new char[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      chars[b] = (char) (printable ? b : next++);
    }
    return chars;
  }

  private static String pairKey(String first, String second) {
    return first + ' ' + second;
  }

  private static Map<String, Integer> readVocab(Path file) throws IOException {
    JsonNode root = readJson(file);
    if (!root.isObject()) {
      throw new IOException(file + " is not a JSON object of token ids");
    }
    Map<String, Integer> vocab = new HashMap<>(root.size() * 2);
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (!e.getValue().canConvertToInt()) {
        throw new IOException(file + ": the id of token '" + e.getKey() + "' is not an integer");
      }
      vocab.put(e.getKey(), e.getValue().intValue());
    }
    return Map.copyOf(vocab);
  }

  /** Merge ranks by "first second"; the first line is a version comment in CLIP's files. */
  private static Map<String, Integer> readMerges(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, Integer> ranks = new HashMap<>(lines.size() * 2);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
      String[] pair = line.split(" ");
      if (pair.length != 2) {
        throw new IOException(file + " line " + (i + 1) + ": expected two symbols, got '" + line + "'");
      }
      ranks.putIfAbsent(pairKey(pair[0], pair[1]), ranks.size());
    }
    return Map.copyOf(ranks);
  }

  /** The {@code pad_token} of a special_tokens_map.json: a string or an object with {@code content}. */
  private static Optional<String> readPadToken(Path file) throws IOException {
    if (!Files.isRegularFile(file)) return Optional.empty();
    JsonNode pad = readJson(file).path("pad_token");
    JsonNode content = pad.isObject() ? pad.path("content") : pad;
    return content.isTextual() ? Optional.of(content.asText()) : Optional.empty();
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      return JsonMapper.builder().build().readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }
}
