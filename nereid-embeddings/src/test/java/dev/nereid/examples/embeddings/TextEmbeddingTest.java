package dev.nereid.examples.embeddings;

import static dev.nereid.examples.embeddings.Vectors.cosine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The text_embedding ensemble of the example repository (tokenizer, MiniLM, mean pooling) against an
 * outside implementation: LangChain4j's own quantized all-MiniLM-L6-v2, which tokenizes, runs and pools
 * the same model by itself.
 */
class TextEmbeddingTest {
  static final Path EXAMPLES = Path.of("..", "examples", "models");

  static final List<String> SENTENCES = List.of(
      "hello world",
      "A",
      "The quick brown fox jumps over the lazy dog.",
      "Nereid serves Triton model repositories inside the JVM, with dynamic batching and ensembles.",
      "¿Dónde está la biblioteca? Está cerca de la estación.",
      "Ünïcödé: naïve café, Straße, 東京タワー, Москва, 😀🚀",
      "!!! ??? ... --- (hello) [world] {braces} <tags> @user #hashtag $100 50% a&b",
      "   leading and trailing spaces   ",
      "UPPER CASE and lower case should tokenize alike because the vocabulary is uncased",
      "Numbers 3.14159 and 2,718 and 1e-10 mixed with words",
      "a much longer passage: " + "embedding models read whole paragraphs, and this one repeats a clause "
          .repeat(12) + "until it is well over a hundred tokens long.",
      "tab\tseparated\nand new\nlines");

  static Server server;
  static AllMiniLmL6V2QuantizedEmbeddingModel reference;

  @BeforeAll
  static void start() {
    server = new Server(ServerOptions.of(EXAMPLES)).start();
    reference = new AllMiniLmL6V2QuantizedEmbeddingModel();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.stop();
  }

  static float[] embed(String text) {
    Tensor embedding = server.model("text_embedding").infer(java.util.Map.of("text", Tensor.of(new String[] {text}, 1, 1)))
        .next().output("embedding");
    assertThat(embedding.shape()).containsExactly(1, 384);
    return embedding.toFloatArray();
  }

  @Test
  void embeddingsEqualLangChain4jsForEverySentence() {
    for (String sentence : SENTENCES) {
      float[] ours = embed(sentence);
      float[] theirs = reference.embed(sentence).content().vector();
      assertThat(theirs).hasSize(384);
      assertThat(cosine(ours, theirs)).as("cosine for %s", sentence).isGreaterThanOrEqualTo(0.9999);
      // Unit length, as LangChain4j's are.
      assertThat(cosine(ours, ours)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
      double norm = 0;
      for (float v : ours) norm += v * v;
      assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }
  }

  @Test
  void differentSentencesGetDifferentEmbeddings() {
    // Guards the comparison above against a pipeline that answers one vector for everything.
    assertThat(cosine(embed("hello world"), embed("Москва, Straße, 東京タワー"))).isLessThan(0.9);
  }

  @Test
  void oneRequestCarryingTextsOfDifferentLengthsPadsAndMasksThem() {
    // The three texts run as one padded batch of MiniLM, whose per-tensor dynamic quantization then
    // shifts each vector a little (cosine 0.97 to 0.99 to the text run alone; MeanPoolingTest checks the masking itself); padding that leaked into
    // the mean would move the short text's vector far more.
    String[] texts = {"short", SENTENCES.get(10), "a middling sentence of a few words"};
    Tensor batch = server.model("text_embedding")
        .infer(java.util.Map.of("text", Tensor.of(texts, texts.length, 1))).next().output("embedding");
    assertThat(batch.shape()).containsExactly(3, 384);
    float[] all = batch.toFloatArray();
    for (int i = 0; i < texts.length; i++) {
      float[] row = java.util.Arrays.copyOfRange(all, i * 384, (i + 1) * 384);
      assertThat(cosine(row, embed(texts[i]))).as(texts[i]).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void concurrentRequestsAreBatchedAndGiveTheSameVectorsAsOneByOne() {
    List<float[]> alone = new ArrayList<>();
    for (String s : SENTENCES) alone.add(embed(s));
    long executionsBefore = executions("bert_tokenizer");
    long inferencesBefore = inferences("bert_tokenizer");

    // Every request is in flight at once: the tokenizer (one instance) takes what queued while it ran.
    Model model = server.model("text_embedding");
    List<CompletableFuture<InferenceResponse>> futures = new ArrayList<>();
    int rounds = 4;
    for (int round = 0; round < rounds; round++) {
      for (String s : SENTENCES) {
        futures.add(model.inferAsync(InferenceRequest.builder().input("text", Tensor.of(new String[] {s}, 1, 1)).build()));
      }
    }
    for (int i = 0; i < futures.size(); i++) {
      float[] together = futures.get(i).join().output("embedding").toFloatArray();
      String sentence = SENTENCES.get(i % SENTENCES.size());
      assertThat(cosine(together, alone.get(i % SENTENCES.size()))).as(sentence).isGreaterThanOrEqualTo(0.99999);
    }
    long expected = (long) rounds * SENTENCES.size();
    // Statistics are recorded as the tokenizer's responses leave; wait for them to be counted.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (inferences("bert_tokenizer") - inferencesBefore < expected && System.nanoTime() < deadline) Thread.onSpinWait();
    long executions = executions("bert_tokenizer") - executionsBefore;
    long inferences = inferences("bert_tokenizer") - inferencesBefore;
    assertThat(inferences).isEqualTo(expected);
    assertThat(executions).as("tokenizer executions for %d requests", inferences).isLessThan(inferences);
  }

  @Test
  void aTextOfTheWrongShapeIsRefusedNamingTheTensor() {
    assertThatThrownBy(() -> server.model("text_embedding")
        .infer(java.util.Map.of("text", Tensor.of(new String[] {"a", "b"}, 1, 2))).next())
        .isInstanceOf(NereidException.InvalidArgument.class).hasMessageContaining("'text'");
  }

  static long executions(String model) {
    return server.model(model).statistics().stream().mapToLong(ModelStatistics::executionCount).sum();
  }

  static long inferences(String model) {
    return server.model(model).statistics().stream().mapToLong(ModelStatistics::inferenceCount).sum();
  }
}
