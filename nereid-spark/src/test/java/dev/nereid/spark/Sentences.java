package dev.nereid.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Deterministic, varied sentences for the embedding jobs: different lengths, words and scripts. */
final class Sentences {
  private static final String[] WORDS = {
      "the", "model", "server", "batch", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Nereid",
      "Spark", "executor", "partition", "tensor", "embedding", "vector", "café", "Straße", "東京", "Москва",
      "inference", "queue", "latency", "throughput", "42", "3.14", "hello", "world", "river", "mountain",
      "library", "station", "¿dónde?", "naïve", "!!!", "(paren)", "#tag", "data"};

  private Sentences() {}

  static List<String> generate(int count, long seed) {
    Random random = new Random(seed);
    List<String> sentences = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int words = 1 + random.nextInt(i % 10 == 0 ? 60 : 16);
      StringBuilder sentence = new StringBuilder("#" + i);
      for (int w = 0; w < words; w++) {
        sentence.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
      }
      sentences.add(sentence.toString());
    }
    return sentences;
  }
}
