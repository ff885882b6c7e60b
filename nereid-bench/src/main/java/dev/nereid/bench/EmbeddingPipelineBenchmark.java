package dev.nereid.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.translator.TextEmbeddingTranslator;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelControlMode;
import dev.nereid.ModelStatistics;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.examples.embeddings.Vectors;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentence embeddings, one sentence per call, from 16 threads and from one (issues 6 and 17): the
 * {@code text_embedding} ensemble of the example repository (tokenizer, all-MiniLM-L6-v2, mean pooling)
 * against what a user writes without a server: LangChain4j's {@link AllMiniLmL6V2QuantizedEmbeddingModel}
 * shared by the threads, and DJL's {@link Predictor} (tokenizer, ONNX Runtime, pooling in one thread),
 * one per thread, on the same ONNX file. Every side embeds the same sentences in the same order;
 * throughput is sentences per second (with one caller, its inverse is the latency).
 *
 * <p>{@code nereid16} runs once per {@link Pipeline#config}: {@code example} is the example repository
 * as shipped; the others change one thing in it (see {@link Pipeline#edits}). Setup checks that every
 * variant's vectors equal LangChain4j's, alone and with all sentences in flight at once; a variant that
 * batches the quantized ONNX model changes them, says so and by how much, and is not held to it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class EmbeddingPipelineBenchmark {
  static final int CALLERS = 16;
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingPipelineBenchmark.class);

  /** Realistic sentences of 5 to 40 words, as a search or RAG application embeds them. */
  static final List<String> SENTENCES = List.of(
      "How do I reset my password?",
      "The meeting has been moved to Thursday afternoon.",
      "Please find attached the signed contract for the new office lease.",
      "Our quarterly revenue grew by twelve percent, driven mostly by subscriptions in Europe and Asia.",
      "What is the difference between a process and a thread in an operating system?",
      "Add two cups of flour and stir until smooth.",
      "The patient reported mild headaches and occasional dizziness after starting the new medication, "
          + "but no nausea or changes in appetite.",
      "Is this jacket available in a larger size?",
      "Dynamic batching groups requests that arrive close together so that the accelerator runs them as one batch.",
      "Turn left at the second traffic light, then continue straight for about two kilometres until you "
          + "reach the old railway station.",
      "Refunds are processed within five business days.",
      "The committee rejected the proposal because the budget did not account for maintenance costs over "
          + "the next ten years, nor for the staff needed to run the new facility.",
      "Which plants grow well in shade?",
      "Java virtual threads make blocking code cheap, but pinned carriers can still limit throughput.",
      "She finished the marathon in just under four hours despite the heat.",
      "Error 503: the service is temporarily unavailable, please try again in a few minutes.",
      "Migrating the database required a schema change, a backfill of three hundred million rows, and a "
          + "careful cut-over during the weekend maintenance window to avoid losing any writes.",
      "Where can I find the nearest pharmacy?",
      "The novel follows three generations of a fishing family on a remote island in the north.",
      "Set the thermostat to twenty degrees at night.",
      "Customers who bought this camera also purchased a spare battery, a memory card and a lightweight "
          + "travel tripod that folds down to thirty centimetres.",
      "Photosynthesis converts light energy into chemical energy stored in glucose.",
      "Can you recommend a good Italian restaurant nearby?",
      "The release notes list the breaking changes, the deprecated options, the new configuration keys and "
          + "the steps needed to upgrade a cluster without downtime.");

  /** LangChain4j's model, created once and shared by every thread, as its documentation shows. */
  @State(Scope.Benchmark)
  public static class LangChain4j {
    AllMiniLmL6V2QuantizedEmbeddingModel model;

    @Setup(Level.Trial)
    public void load() {
      model = new AllMiniLmL6V2QuantizedEmbeddingModel();
    }

    float[] embed(String sentence) {
      return model.embed(sentence).content().vector();
    }
  }

  /**
   * DJL as its documentation shows a sentence embedding: one {@code ZooModel} loaded through
   * {@code Criteria} on the ONNX Runtime engine, with the HuggingFace tokenizer and mean pooling in
   * {@link TextEmbeddingTranslator}, and a {@link Predictor} per thread running all three in that thread.
   * Same ONNX file as LangChain4j and Nereid; DJL's offline mode, so it downloads nothing. Setup checks
   * its vectors against Nereid's {@code text_embedding} as shipped.
   */
  @State(Scope.Benchmark)
  public static class Djl {
    /**
     * ONNX Runtime's intra-op threads in DJL's session: {@code default} as a user leaves it (one per
     * core, shared by the concurrent calls), or {@code 1} as the example's MiniLM instances run.
     */
    @Param({"default", "1"})
    public String djlIntraOp;

    private Path folder;
    ZooModel<String, float[]> model;

    @Setup(Level.Trial)
    public void load() throws Exception {
      System.setProperty("ai.djl.offline", "true");
      folder = Files.createTempDirectory("nereid-djl");
      Files.createSymbolicLink(folder.resolve("model.onnx"), BenchRepository.miniLm());
      HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
          BenchRepository.example("all_minilm_l6_v2/tokenizer.json"), Map.of("padding", "false"));
      TextEmbeddingTranslator translator = TextEmbeddingTranslator.builder(tokenizer)
          .optPoolingMode("mean").optNormalize(false).optIncludeTokenTypes(true).build();
      Criteria.Builder<String, float[]> criteria = Criteria.builder().setTypes(String.class, float[].class)
          .optModelPath(folder).optModelName("model").optEngine("OnnxRuntime").optTranslator(translator);
      if (!djlIntraOp.equals("default")) criteria.optOption("intraOpNumThreads", djlIntraOp);
      model = criteria.build().loadModel();
      checkAgainstNereid();
    }

    /** Fails the trial unless every sentence gives Nereid's vector (cosine >= 0.9999). */
    private void checkAgainstNereid() throws TranslateException {
      double worst = 1;
      try (Server server = new Server(ServerOptions.builder().modelControlMode(ModelControlMode.EXPLICIT)
              .startupModel("text_embedding").modelRepository(BenchRepository.example("text_embedding").getParent())
              .build()).start();
          Predictor<String, float[]> predictor = model.newPredictor()) {
        Model nereid = server.model("text_embedding");
        for (String s : SENTENCES) worst = Math.min(worst, Vectors.cosine(predictor.predict(s), embed(nereid, s)));
      }
      if (worst < 0.9999) throw new IllegalStateException("DJL: lowest cosine to Nereid " + worst);
      LOG.info("DJL: lowest cosine to Nereid over {} sentences {}", SENTENCES.size(), worst);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      model.close();
      Files.deleteIfExists(folder.resolve("model.onnx"));
      Files.deleteIfExists(folder);
    }
  }

  /** A DJL predictor per thread, as DJL's documentation advises (a predictor is not thread-safe). */
  @State(Scope.Thread)
  public static class DjlPredictor {
    Predictor<String, float[]> predictor;

    @Setup(Level.Trial)
    public void open(Djl djl) {
      predictor = djl.model.newPredictor();
    }

    @TearDown(Level.Trial)
    public void close() {
      predictor.close();
    }
  }

  /**
   * The floor under both sides: ONNX Runtime alone on the sentences' token ids (tokenized at setup),
   * one intra-op thread per call as in the example's instances, no pooling. No pipeline that runs each
   * sentence on its own can beat it on the same cores.
   */
  @State(Scope.Benchmark)
  public static class OrtOnly {
    private OrtEnvironment env;
    private OrtSession.SessionOptions options;
    OrtSession session;
    long[][] ids;
    long[][] masks;

    @Setup(Level.Trial)
    public void open() throws Exception {
      env = OrtEnvironment.getEnvironment();
      options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(1);
      session = env.createSession(BenchRepository.miniLm().toString(), options);
      ids = new long[SENTENCES.size()][];
      masks = new long[SENTENCES.size()][];
      try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
          BenchRepository.example("all_minilm_l6_v2/tokenizer.json"), Map.of("padding", "false"))) {
        for (int i = 0; i < SENTENCES.size(); i++) {
          Encoding encoding = tokenizer.encode(SENTENCES.get(i));
          ids[i] = encoding.getIds();
          masks[i] = encoding.getAttentionMask();
        }
      }
    }

    /** Runs MiniLM on sentence {@code i} as a raw ORT caller does: tensors made, run, output read, closed. */
    float run(int i) throws OrtException {
      long[] shape = {1, ids[i].length};
      try (OnnxTensor inputIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids[i]), shape);
          OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(masks[i]), shape);
          OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids[i].length]), shape);
          OrtSession.Result result = session.run(Map.of("input_ids", inputIds, "attention_mask", mask, "token_type_ids", types))) {
        return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
      }
    }

    @TearDown(Level.Trial)
    public void close() throws OrtException {
      session.close();
      options.close();
    }
  }

  /** A server on one variant of the example repository, checked against LangChain4j at setup. */
  @State(Scope.Benchmark)
  public static class Pipeline {
    /**
     * {@code example}: as shipped (MiniLM: 2 instances x 1 intra-op thread, no batching; tokenizer and
     * pooling batched dynamically, one instance each). {@code onnx1x2}: MiniLM as 1 instance x 2 threads.
     * {@code onnx3x1}: 3 instances x 1 thread. {@code javaUnbatched}: no dynamic batching on the Java
     * models. {@code tuned}: {@code onnx3x1} and {@code javaUnbatched} together. {@code onnxBatched}:
     * dynamic batching on MiniLM too, which joins only requests of equal token length (the tokenizer pads
     * per request) and changes the vectors of those it joins. {@code producer}: the example with
     * {@code nereid_ensemble_step_thread: producer} (a step with an idle instance runs on the thread that
     * produced its input). {@code producerUnbatched}: that and {@code javaUnbatched} together.
     */
    @Param({"example", "onnx1x2", "onnx3x1", "javaUnbatched", "tuned", "onnxBatched", "producer", "producerUnbatched"})
    public String config;

    private BenchRepository repository;
    private Server server;
    Model model;

    @Setup(Level.Trial)
    public void start(LangChain4j reference) throws IOException {
      ServerOptions.Builder options = ServerOptions.builder()
          .modelControlMode(ModelControlMode.EXPLICIT).startupModel("text_embedding");
      if (config.equals("example")) {
        options.modelRepository(BenchRepository.example("text_embedding").getParent());
      } else {
        repository = new BenchRepository();
        for (String name : List.of("bert_tokenizer", "all_minilm_l6_v2", "mean_pooling", "text_embedding")) {
          repository.addExample(name, edits(name));
        }
        options.modelRepository(repository.root());
      }
      server = new Server(options.build()).start();
      model = server.model("text_embedding");
      checkAgainst(reference);
    }

    /** How {@link #config} changes one model's example config. */
    UnaryOperator<String> edits(String name) {
      return switch (config + "/" + name) {
        case "onnx1x2/all_minilm_l6_v2" -> c -> replace(replace(c, "count: 2", "count: 1"),
            "string_value: \"1\"", "string_value: \"2\"");
        case "onnx3x1/all_minilm_l6_v2", "tuned/all_minilm_l6_v2" -> c -> replace(c, "count: 2", "count: 3");
        case "javaUnbatched/bert_tokenizer", "javaUnbatched/mean_pooling", "tuned/bert_tokenizer", "tuned/mean_pooling" ->
            c -> replace(c, "dynamic_batching { }", "");
        case "onnxBatched/all_minilm_l6_v2" -> c -> c + "\ndynamic_batching { }\n";
        case "producer/text_embedding", "producerUnbatched/text_embedding" -> c -> c
            + "\nparameters { key: \"nereid_ensemble_step_thread\" value { string_value: \"producer\" } }\n";
        case "producerUnbatched/bert_tokenizer", "producerUnbatched/mean_pooling" ->
            c -> replace(c, "dynamic_batching { }", "");
        default -> c -> c;
      };
    }

    private static String replace(String config, String from, String to) {
      if (!config.contains(from)) throw new IllegalStateException("example config changed: no '" + from + "' in\n" + config);
      return config.replace(from, to);
    }

    /**
     * Fails the trial unless one sentence alone, and every sentence with all of them in flight, give
     * LangChain4j's vectors (cosine >= 0.9999); {@code onnxBatched} only reports how far it is off.
     */
    private void checkAgainst(LangChain4j reference) {
      String first = SENTENCES.get(0);
      double alone = Vectors.cosine(embed(model, first), reference.embed(first));
      if (alone < 0.9999) throw new IllegalStateException(config + ": cosine to LangChain4j " + alone + " for '" + first + "'");
      List<CompletableFuture<InferenceResponse>> inFlight = new ArrayList<>();
      for (int round = 0; round < 4; round++) {
        for (String s : SENTENCES) inFlight.add(model.inferAsync(request(s)));
      }
      double worst = 1;
      for (int i = 0; i < inFlight.size(); i++) {
        float[] ours = inFlight.get(i).join().output("embedding").toFloatArray();
        worst = Math.min(worst, Vectors.cosine(ours, reference.embed(SENTENCES.get(i % SENTENCES.size()))));
      }
      String summary = config + ": lowest cosine to LangChain4j under load " + worst;
      if (config.equals("onnxBatched")) {
        LOG.warn("{} (MiniLM batched: a vector changes with its batch)", summary);
      } else if (worst < 0.9999) {
        throw new IllegalStateException(summary);
      } else {
        LOG.info(summary);
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      // Where a request's time went, warm-up included: the wall time of each step, not CPU time.
      for (String name : List.of("bert_tokenizer", "all_minilm_l6_v2", "mean_pooling", "text_embedding")) {
        for (ModelStatistics s : server.model(name).statistics()) {
          ModelStatistics.InferenceStats stats = s.inferenceStats();
          long compute = stats.computeInput().ns() + stats.computeInfer().ns() + stats.computeOutput().ns();
          LOG.info("{} {}: {} requests in {} executions; per request: {} us end to end, {} us queued; "
                  + "per execution: {} us compute", config, name, s.inferenceCount(), s.executionCount(),
              perCount(stats.success().ns(), stats.success().count()), perCount(stats.queue().ns(), stats.queue().count()),
              perCount(compute, s.executionCount()));
        }
      }
      server.stop();
      if (repository != null) repository.close();
    }
  }

  /** Each thread walks the sentence list from its own starting point. */
  @State(Scope.Thread)
  public static class Caller {
    private int next;

    @Setup(Level.Trial)
    public void start() {
      next = (int) (Thread.currentThread().threadId() % SENTENCES.size());
    }

    String sentence() {
      return SENTENCES.get(index());
    }

    int index() {
      int i = next;
      next = (i + 1) % SENTENCES.size();
      return i;
    }
  }

  private static long perCount(long ns, long count) {
    return count == 0 ? 0 : ns / count / 1000;
  }

  static InferenceRequest request(String sentence) {
    return InferenceRequest.builder().input("text", Tensor.of(new String[] {sentence}, 1, 1)).build();
  }

  static float[] embed(Model model, String sentence) {
    try (ResponseIterator responses = model.infer(request(sentence))) {
      return responses.next().output("embedding").toFloatArray();
    }
  }


  /** LangChain4j's {@code embed(String)} on one shared model from 16 threads. */
  @Benchmark
  @Threads(CALLERS)
  public float[] langchain4j16(LangChain4j langChain4j, Caller caller) {
    return langChain4j.embed(caller.sentence());
  }

  /** DJL's predictor ({@code predict(String)}), one per thread, from 16 threads. */
  @Benchmark
  @Threads(CALLERS)
  public float[] djl16(DjlPredictor djl, Caller caller) throws TranslateException {
    return djl.predictor.predict(caller.sentence());
  }

  /** One caller: DJL's predictor. */
  @Benchmark
  @Threads(1)
  public float[] djl1(DjlPredictor djl, Caller caller) throws TranslateException {
    return djl.predictor.predict(caller.sentence());
  }

  /** One caller: LangChain4j's {@code embed(String)}. */
  @Benchmark
  @Threads(1)
  public float[] langchain4j1(LangChain4j langChain4j, Caller caller) {
    return langChain4j.embed(caller.sentence());
  }

  /** One caller: {@code text_embedding.infer}. */
  @Benchmark
  @Threads(1)
  public Tensor nereid1(Pipeline pipeline, Caller caller) {
    try (ResponseIterator responses = pipeline.model.infer(request(caller.sentence()))) {
      return responses.next().output("embedding");
    }
  }

  /** ONNX Runtime alone on pre-tokenized sentences from 16 threads: the floor, not a contender. */
  @Benchmark
  @Threads(CALLERS)
  public float ortOnly16(OrtOnly ort, Caller caller) throws OrtException {
    return ort.run(caller.index());
  }

  /** {@code text_embedding.infer} with {@code text} BYTES [1, 1] from 16 threads. */
  @Benchmark
  @Threads(CALLERS)
  public Tensor nereid16(Pipeline pipeline, Caller caller) {
    try (ResponseIterator responses = pipeline.model.infer(request(caller.sentence()))) {
      return responses.next().output("embedding");
    }
  }
}
