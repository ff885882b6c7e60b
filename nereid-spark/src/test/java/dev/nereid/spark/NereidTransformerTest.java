package dev.nereid.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ModelStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NereidTransformer} on a real Spark in {@code local[2]}: text_embedding over a thousand
 * sentences equals the in-process API, typed and array columns go both ways through an identity model,
 * bad rows fail with the column and row named, and the repository also reaches tasks through SparkFiles.
 */
class NereidTransformerTest {
  @TempDir static Path temp;
  static SparkSession spark;
  static Path typedRepository;

  @BeforeAll
  static void start() throws IOException {
    typedRepository = Files.createDirectories(temp.resolve("typed-models"));
    writeTypedModels(typedRepository);
    spark = SparkSession.builder()
        .master("local[2]")
        .appName("nereid-spark-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.local.dir", temp.resolve("spark-local").toString())
        .config("spark.sql.warehouse.dir", temp.resolve("warehouse").toString())
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    ExecutorServers.closeAll();
  }

  /** An identity model (outputs equal inputs) with one input of each kind of column, batching dynamically. */
  static void writeTypedModels(Path repository) throws IOException {
    String[][] tensors = {
        {"text", "TYPE_STRING", "1"}, {"vector", "TYPE_FP32", "3"}, {"matrix", "TYPE_INT64", "2, 2"},
        {"ragged", "TYPE_INT32", "-1"}, {"flag", "TYPE_BOOL", "1"}, {"half", "TYPE_FP16", "2"},
        {"small", "TYPE_UINT8", "1"}, {"wide", "TYPE_FP64", "1"}};
    StringBuilder inputs = new StringBuilder();
    StringBuilder outputs = new StringBuilder();
    for (String[] t : tensors) {
      inputs.append(inputs.isEmpty() ? "" : ",\n").append("  { name: \"").append(t[0]).append("_input\" data_type: ")
          .append(t[1]).append(" dims: [ ").append(t[2]).append(" ] }");
      outputs.append(outputs.isEmpty() ? "" : ",\n").append("  { name: \"").append(t[0]).append("_output\" data_type: ")
          .append(t[1]).append(" dims: [ ").append(t[2]).append(" ] }");
    }
    Path typed = Files.createDirectories(repository.resolve("typed").resolve("1"));
    Files.writeString(typed.getParent().resolve("config.pbtxt"), "backend: \"identity\"\nmax_batch_size: 16\n"
        + "dynamic_batching { max_queue_delay_microseconds: 20000 }\n"
        + "input [\n" + inputs + "\n]\noutput [\n" + outputs + "\n]\n");
    // Not batching: each row is one whole request, here a matrix of strings.
    Path grid = Files.createDirectories(repository.resolve("grid").resolve("1"));
    Files.writeString(grid.getParent().resolve("config.pbtxt"), "backend: \"identity\"\nmax_batch_size: 0\n"
        + "input [ { name: \"grid_input\" data_type: TYPE_STRING dims: [ -1, -1 ] } ]\n"
        + "output [ { name: \"grid_output\" data_type: TYPE_STRING dims: [ -1, -1 ] } ]\n");
  }

  static NereidTransformer embedder() {
    return new NereidTransformer()
        .setModelRepository(EmbeddingReference.EXAMPLES.toString())
        .setModel("text_embedding")
        .setInputCols(new String[] {"sentence"})
        .setInputTensors(new String[] {"text"})
        .setOutputCols(new String[] {"embedding"});
  }

  static Dataset<Row> sentences(List<String> texts, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, texts.get(i)));
    }
    StructType schema = new StructType()
        .add("id", DataTypes.LongType, false)
        .add("sentence", DataTypes.StringType, true);
    return spark.createDataFrame(rows, schema).repartition(partitions);
  }

  @Test
  void textEmbeddingOverAThousandSentencesEqualsTheInProcessApi() {
    List<String> texts = Sentences.generate(1000, 7);
    List<Row> out = embedder().transform(sentences(texts, 6)).collectAsList();

    assertThat(out).hasSize(texts.size());
    Map<Long, float[]> byId = new HashMap<>();
    for (Row row : out) {
      long id = row.getLong(0);
      assertThat(row.getString(1)).isEqualTo(texts.get((int) id));
      List<Float> vector = row.getList(2);
      float[] values = new float[vector.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = vector.get(i);
      }
      assertThat(byId.put(id, values)).as("row %d twice", id).isNull();
    }
    assertThat(byId).hasSize(texts.size());
    try (EmbeddingReference reference = new EmbeddingReference()) {
      for (int i = 0; i < texts.size(); i++) {
        float[] expected = reference.embed(texts.get(i));
        assertThat(byId.get((long) i)).hasSize(384);
        assertThat(EmbeddingReference.cosine(byId.get((long) i), expected)).as(texts.get(i))
            .isGreaterThanOrEqualTo(0.99999);
      }
      // Different sentences, different vectors: guards against one vector for everything.
      assertThat(EmbeddingReference.cosine(byId.get(1L), byId.get(2L))).isLessThan(0.99);
    }
  }

  @Test
  void schemaNamesTheModelsTypes() {
    StructType schema = embedder().transformSchema(sentences(List.of("a"), 1).schema());
    assertThat(schema.fieldNames()).containsExactly("id", "sentence", "embedding");
    assertThat(schema.apply("embedding").dataType())
        .isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, false));
  }

  static Dataset<Row> typedRows(int count) {
    return typedRows(count, true);
  }

  /** Rows of every kind of column; the ragged column's length varies only if asked (requests of different shapes do not batch). */
  static Dataset<Row> typedRows(int count, boolean raggedVaries) {
    StructType schema = new StructType()
        .add("text", DataTypes.StringType)
        .add("vector", DataTypes.createArrayType(DataTypes.FloatType))
        .add("matrix", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType)))
        .add("ragged", DataTypes.createArrayType(DataTypes.IntegerType))
        .add("flag", DataTypes.BooleanType)
        .add("half", DataTypes.createArrayType(DataTypes.FloatType))
        .add("small", DataTypes.ShortType)
        .add("wide", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(RowFactory.create(
          "row " + i + " ü",
          List.of(i + 0.5f, -i * 1f, 1e-3f * i),
          List.of(List.of((long) i, 1L << 40), List.of(-1L, (long) -i)),
          java.util.Collections.nCopies(raggedVaries ? i % 4 : 2, i),
          i % 2 == 0,
          List.of(0.5f * i, -2f),
          (short) (i % 256),
          i / 3.0));
    }
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  static NereidTransformer typed() {
    return new NereidTransformer()
        .setModelRepository(typedRepository.toString())
        .setModel("typed")
        .setInputCols(new String[] {"text", "vector", "matrix", "ragged", "flag", "half", "small", "wide"})
        .setInputTensors(new String[] {"text_input", "vector_input", "matrix_input", "ragged_input", "flag_input",
            "half_input", "small_input", "wide_input"})
        .setOutputCols(new String[] {"text_out", "vector_out", "matrix_out", "ragged_out", "flag_out", "half_out",
            "small_out", "wide_out"})
        .setOutputTensors(new String[] {"text_output", "vector_output", "matrix_output", "ragged_output",
            "flag_output", "half_output", "small_output", "wide_output"});
  }

  @Test
  void everyKindOfColumnGoesInAndComesBackUnchanged() {
    for (int rowsPerRequest : new int[] {1, 8}) {
      Dataset<Row> out = typed().setRowsPerRequest(rowsPerRequest).transform(typedRows(200));
      StructType schema = out.schema();
      assertThat(schema.apply("text_out").dataType()).isEqualTo(DataTypes.StringType);
      assertThat(schema.apply("matrix_out").dataType()).isEqualTo(
          DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType, false), false));
      assertThat(schema.apply("small_out").dataType()).isEqualTo(DataTypes.ShortType);
      List<Row> rows = out.collectAsList();
      assertThat(rows).hasSize(200);
      for (Row row : rows) {
        for (int c = 0; c < 8; c++) {
          Object in = row.get(c);
          Object back = row.get(8 + c);
          assertThat(back).as("%s of %s", schema.fieldNames()[8 + c], row).isEqualTo(in);
        }
      }
    }
  }

  @Test
  void rowsSentOnePerRequestAreBatchedByTheModelsDynamicBatcher() {
    NereidTransformer transformer = typed().setMaxInFlight(16);
    Dataset<Row> rows = typedRows(400, false).cache();
    rows.count();
    ModelStatistics before = ExecutorServers.model(typedRepository, "typed", -1).statistics().get(0);
    transformer.transform(rows).write().format("noop").mode("overwrite").save();
    ModelStatistics after = ExecutorServers.model(typedRepository, "typed", -1).statistics().get(0);
    long inferences = after.inferenceCount() - before.inferenceCount();
    long executions = after.executionCount() - before.executionCount();
    assertThat(inferences).isEqualTo(400);
    // Requests of one row each, many in flight: the dynamic batcher ran them in fewer executions.
    assertThat(executions).as("executions for %d rows", inferences).isLessThan(inferences / 2);
  }

  @Test
  void aNonBatchingModelTakesOneWholeTensorPerRow() {
    StructType schema = new StructType().add("grid",
        DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.StringType)));
    List<Row> rows = List.of(
        RowFactory.create(List.of(List.of("a", "b"), List.of("c", "d"))),
        RowFactory.create(List.of(List.of("x", "y", "z"))));
    List<Row> out = new NereidTransformer().setModelRepository(typedRepository.toString()).setModel("grid")
        .setInputCols(new String[] {"grid"}).setInputTensors(new String[] {"grid_input"})
        .setOutputCols(new String[] {"copy"}).setOutputTensors(new String[] {"grid_output"})
        .transform(spark.createDataFrame(rows, schema)).collectAsList();
    assertThat(out).extracting(r -> javaLists(r.get(1))).containsExactly(rows.get(0).get(0), rows.get(1).get(0));
  }

  static Object javaLists(Object value) {
    if (value instanceof scala.collection.Seq<?> seq) {
      List<Object> list = new ArrayList<>();
      for (int i = 0; i < seq.length(); i++) {
        list.add(javaLists(seq.apply(i)));
      }
      return list;
    }
    return value;
  }

  @Test
  void aNullFailsTheJobNamingColumnAndRow() {
    List<String> texts = new ArrayList<>(List.of("one", "two", "three"));
    texts.add(null);
    Dataset<Row> df = sentences(texts, 1).orderBy("id").coalesce(1);
    assertThatThrownBy(() -> embedder().transform(df).collectAsList())
        .isInstanceOf(SparkException.class)
        .hasMessageContaining("column 'sentence', row 3 of partition 0: the value is null")
        .hasMessageContaining("model 'text_embedding' input 'text' needs a value");
  }

  @Test
  void anArrayOfTheWrongLengthFailsNamingColumnAndRow() {
    StructType schema = new StructType().add("v", DataTypes.createArrayType(DataTypes.FloatType));
    List<Row> rows = List.of(RowFactory.create(List.of(1f, 2f, 3f)), RowFactory.create(List.of(1f, 2f)));
    Dataset<Row> df = spark.createDataFrame(rows, schema).coalesce(1);
    NereidTransformer vector = new NereidTransformer().setModelRepository(typedRepository.toString())
        .setModel("typed").setInputCols(new String[] {"v"}).setInputTensors(new String[] {"vector_input"})
        .setOutputCols(new String[] {"out"}).setOutputTensors(new String[] {"vector_output"});
    assertThatThrownBy(() -> vector.transform(df).collectAsList())
        .hasMessageContaining("column 'v', row 1 of partition 0: the value has 2 elements in dimension 0, "
            + "but model 'typed' input 'vector_input' has shape [3] per row");
  }

  @Test
  void aColumnOfTheWrongTypeIsRefusedBeforeTheJobRuns() {
    StructType schema = new StructType().add("id", DataTypes.LongType).add("sentence", DataTypes.IntegerType);
    Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(1L, 5)), schema);
    assertThatThrownBy(() -> embedder().transform(df))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("column 'sentence' holds int, but model 'text_embedding' input 'text' is BYTES with shape [1] "
            + "per row, so the column must hold string or binary values (cast it)");
    assertThatThrownBy(() -> embedder().setInputCols(new String[] {"nope"}).transform(df))
        .hasMessage("input column 'nope' is not in the DataFrame; its columns are [id, sentence]");
    assertThatThrownBy(() -> embedder().setOutputTensors(new String[] {"vector"}).transform(sentences(List.of("a"), 1)))
        .hasMessage("model 'text_embedding' has no output 'vector'; its outputs are [embedding]");
  }

  @Test
  void theRepositoryReachesTasksThroughSparkFiles() {
    spark.sparkContext().addFile(typedRepository.toString(), true);
    NereidTransformer fromFiles = typed();
    fromFiles.clear(fromFiles.modelRepository());
    List<Row> rows = fromFiles.setSparkFilesRepository(typedRepository.getFileName().toString())
        .transform(typedRows(20)).collectAsList();
    assertThat(rows).hasSize(20).allSatisfy(row -> assertThat(row.get(8)).isEqualTo(row.get(0)));
  }

  @Test
  void savesAndLoadsInAPipeline() throws IOException {
    PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {embedder()}).fit(sentences(List.of("x"), 1));
    Path saved = temp.resolve("pipeline");
    pipeline.write().overwrite().save(saved.toString());
    PipelineModel loaded = PipelineModel.load(saved.toString());
    NereidTransformer stage = (NereidTransformer) loaded.stages()[0];
    assertThat(stage.getModel()).isEqualTo("text_embedding");
    assertThat(stage.getOutputCols()).containsExactly("embedding");
    List<Row> rows = loaded.transform(sentences(List.of("hello world"), 1)).collectAsList();
    assertThat(rows.get(0).getList(2)).hasSize(384);
  }
}
