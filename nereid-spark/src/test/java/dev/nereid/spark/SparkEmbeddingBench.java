package dev.nereid.spark;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Rows per second of sentence embeddings on Spark, same session, same data: {@link NereidTransformer}
 * running text_embedding, against what a Spark user would otherwise write, a UDF that tokenizes, runs
 * all-MiniLM-L6-v2 in ONNX Runtime and mean-pools one row at a time (one tokenizer and one session per
 * executor JVM, ONNX Runtime's default options).
 *
 * <pre>
 * java [--add-opens flags] -cp ... dev.nereid.spark.SparkEmbeddingBench [master=local[2]] [rows=4000] [rounds=3]
 * </pre>
 */
public final class SparkEmbeddingBench {
  private SparkEmbeddingBench() {}

  /** The per-row UDF: one tokenizer and one session per JVM, as a user would cache them. */
  static final class PlainOrt {
    private static HuggingFaceTokenizer tokenizer;
    private static OrtSession session;

    static synchronized void init(Path models) throws IOException, OrtException {
      if (session == null) {
        tokenizer = HuggingFaceTokenizer.newInstance(models.resolve("all_minilm_l6_v2/tokenizer.json"),
            Map.of("padding", "false", "truncation", "true", "maxLength", "128"));
        session = OrtEnvironment.getEnvironment().createSession(
            models.resolve("all_minilm_l6_v2/1/model.onnx").toString(), new OrtSession.SessionOptions());
      }
    }

    static float[] embed(String text) throws OrtException {
      Encoding encoding = tokenizer.encode(text);
      long[] ids = encoding.getIds();
      long[] mask = encoding.getAttentionMask();
      long[] types = encoding.getTypeIds();
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      long[] shape = {1, ids.length};
      try (OnnxTensor idsTensor = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape);
          OnnxTensor maskTensor = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(mask), shape);
          OnnxTensor typesTensor = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(types), shape);
          OrtSession.Result result = session.run(Map.of("input_ids", idsTensor, "attention_mask", maskTensor,
              "token_type_ids", typesTensor))) {
        float[][] tokens = ((float[][][]) result.get(0).getValue())[0];
        float[] mean = new float[tokens[0].length];
        int counted = 0;
        for (int t = 0; t < tokens.length; t++) {
          if (mask[t] == 0) {
            continue;
          }
          counted++;
          for (int d = 0; d < mean.length; d++) {
            mean[d] += tokens[t][d];
          }
        }
        double norm = 0;
        for (int d = 0; d < mean.length; d++) {
          mean[d] /= counted;
          norm += mean[d] * mean[d];
        }
        float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
        for (int d = 0; d < mean.length; d++) {
          mean[d] *= scale;
        }
        return mean;
      }
    }
  }

  public static void main(String[] args) throws Exception {
    String master = args.length > 0 ? args[0] : "local[2]";
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path models = EmbeddingReference.EXAMPLES;
    Path temp = Files.createTempDirectory("nereid-spark-bench");
    SparkSession spark = SparkSession.builder().master(master).appName("nereid-spark-bench")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.local.dir", temp.toString())
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    String modelsPath = models.toString();
    spark.udf().register("embed_ort", (UDF1<String, float[]>) text -> {
      PlainOrt.init(Path.of(modelsPath));
      return PlainOrt.embed(text);
    }, DataTypes.createArrayType(DataTypes.FloatType, false));

    List<String> texts = Sentences.generate(count, 3);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, texts.get(i)));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
    int partitions = spark.sparkContext().defaultParallelism() * 4;
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(partitions).cache();
    df.count();

    Map<String, java.util.function.Supplier<Dataset<Row>>> variants = new java.util.LinkedHashMap<>();
    variants.put("udf_ort_per_row", () -> df.selectExpr("id", "text", "embed_ort(text) AS embedding"));
    variants.put("nereid", () -> new NereidTransformer().setModelRepository(modelsPath).setModel("text_embedding")
        .setInputCols(new String[] {"text"}).setOutputCols(new String[] {"embedding"}).transform(df));
    variants.put("nereid_rows8", () -> new NereidTransformer().setModelRepository(modelsPath)
        .setModel("text_embedding").setRowsPerRequest(8)
        .setInputCols(new String[] {"text"}).setOutputCols(new String[] {"embedding"}).transform(df));

    // Warm-up: loads the session, the tokenizer and the Nereid server in every executor.
    for (var variant : variants.values()) {
      variant.get().write().format("noop").mode("overwrite").save();
    }
    Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (var variant : variants.entrySet()) {
        long start = System.nanoTime();
        variant.getValue().get().write().format("noop").mode("overwrite").save();
        double seconds = (System.nanoTime() - start) / 1e9;
        rates.computeIfAbsent(variant.getKey(), k -> new ArrayList<>()).add(count / seconds);
        System.out.printf("round %d %-16s %8.1f rows/s%n", round, variant.getKey(), count / seconds);
      }
    }
    double base = mean(rates.get("udf_ort_per_row"));
    for (var rate : rates.entrySet()) {
      System.out.printf("RESULT %-16s mean %8.1f rows/s  (%.2fx udf_ort_per_row)  rounds %s%n", rate.getKey(),
          mean(rate.getValue()), mean(rate.getValue()) / base, rate.getValue());
    }
    spark.stop();
    ExecutorServers.closeAll();
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }
}
