package dev.nereid.spark;

import dev.nereid.Model;
import dev.nereid.ModelMetadata;
import dev.nereid.ModelMetadata.TensorMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that runs a Nereid model over a DataFrame: the input columns feed the
 * model's inputs, and the model's outputs are appended as new columns, one value per row.
 *
 * <pre>{@code
 * Dataset<Row> embedded = new NereidTransformer()
 *     .setModelRepository("/shared/models")   // or setSparkFilesRepository("models")
 *     .setModel("text_embedding")
 *     .setInputCols(new String[] {"text"})      // fed to the model's input of the same name ...
 *     .setOutputCols(new String[] {"embedding"})
 *     .transform(sentences);
 * }</pre>
 *
 * <p>Each executor JVM starts one embedded Nereid server per repository on first use ({@link ExecutorServers}),
 * loads the model once, and shares it between its tasks; the server stops when the executor exits. A task
 * sends its rows as requests, up to {@link #setMaxInFlight maxInFlight} at a time, so the model's dynamic
 * batcher forms batches from them; {@link #setRowsPerRequest rowsPerRequest} above 1 also stacks rows of a
 * batching model into one request. Rows come out in their input order.
 *
 * <p>Column types follow the tensors: BYTES are strings (binary also on input), numeric types are
 * the Spark type of the same width (unsigned ones one wider), and each per-row dimension is one level of
 * arrays, except that a per-row shape of {@code [1]} is a plain column. A null, a ragged array or an
 * array of the wrong length fails the task with an error naming the column, the partition and the row.
 *
 * <p>{@code transformSchema} and {@code transform} load the model in the driver's JVM too, to read its
 * metadata (the model's real inputs and outputs, auto-completed as the executors will see them).
 */
public final class NereidTransformer extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;

  private final Param<String> modelRepository;
  private final Param<String> sparkFilesRepository;
  private final Param<String> model;
  private final LongParam modelVersion;
  private final StringArrayParam inputCols;
  private final StringArrayParam inputTensors;
  private final StringArrayParam outputCols;
  private final StringArrayParam outputTensors;
  private final IntParam maxInFlight;
  private final IntParam rowsPerRequest;

  /** A transformer with a random uid. */
  public NereidTransformer() {
    this(Identifiable$.MODULE$.randomUID("nereid"));
  }

  /** A transformer with the given uid (as Spark's readers create it). */
  public NereidTransformer(String uid) {
    this.uid = uid;
    modelRepository = new Param<>(this, "modelRepository", "path of the model repository on every JVM");
    sparkFilesRepository = new Param<>(this, "sparkFilesRepository",
        "name of the repository directory added with sparkContext.addFile(dir, true)");
    model = new Param<>(this, "model", "name of the model to run");
    modelVersion = new LongParam(this, "modelVersion", "version of the model, -1 for the latest");
    inputCols = new StringArrayParam(this, "inputCols", "input columns");
    inputTensors = new StringArrayParam(this, "inputTensors", "model inputs fed by the input columns");
    outputCols = new StringArrayParam(this, "outputCols", "output columns");
    outputTensors = new StringArrayParam(this, "outputTensors", "model outputs held by the output columns");
    maxInFlight = new IntParam(this, "maxInFlight", "most requests a task keeps in flight",
        ParamValidators.gtEq(1));
    rowsPerRequest = new IntParam(this, "rowsPerRequest", "most rows stacked into one request",
        ParamValidators.gtEq(1));
    setDefault(modelVersion, -1L);
    setDefault(maxInFlight, 32);
    setDefault(rowsPerRequest, 1);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The path of the model repository, the same on the driver and every executor. */
  public Param<String> modelRepository() {
    return modelRepository;
  }

  /** The name under which the repository directory was added with {@code sparkContext.addFile(dir, true)}. */
  public Param<String> sparkFilesRepository() {
    return sparkFilesRepository;
  }

  /** The model's name. */
  public Param<String> model() {
    return model;
  }

  /** The model's version; -1 (the default) for the latest ready one. */
  public LongParam modelVersion() {
    return modelVersion;
  }

  /** The input columns. */
  public StringArrayParam inputCols() {
    return inputCols;
  }

  /** The model's inputs the input columns feed; by default named as the columns. */
  public StringArrayParam inputTensors() {
    return inputTensors;
  }

  /** The output columns to add. */
  public StringArrayParam outputCols() {
    return outputCols;
  }

  /** The model's outputs the output columns hold; by default named as the columns. */
  public StringArrayParam outputTensors() {
    return outputTensors;
  }

  /** The most requests one task keeps in flight (default 32). */
  public IntParam maxInFlight() {
    return maxInFlight;
  }

  /** The most rows stacked into one request of a batching model (default 1: one row per request). */
  public IntParam rowsPerRequest() {
    return rowsPerRequest;
  }

  public NereidTransformer setModelRepository(String path) {
    set(modelRepository, path);
    return this;
  }

  public NereidTransformer setSparkFilesRepository(String name) {
    set(sparkFilesRepository, name);
    return this;
  }

  public NereidTransformer setModel(String name) {
    set(model, name);
    return this;
  }

  public NereidTransformer setModelVersion(long version) {
    set(modelVersion, version);
    return this;
  }

  public NereidTransformer setInputCols(String[] columns) {
    set(inputCols, columns);
    return this;
  }

  public NereidTransformer setInputTensors(String[] names) {
    set(inputTensors, names);
    return this;
  }

  public NereidTransformer setOutputCols(String[] columns) {
    set(outputCols, columns);
    return this;
  }

  public NereidTransformer setOutputTensors(String[] names) {
    set(outputTensors, names);
    return this;
  }

  public NereidTransformer setMaxInFlight(int requests) {
    set(maxInFlight, requests);
    return this;
  }

  public NereidTransformer setRowsPerRequest(int rows) {
    set(rowsPerRequest, rows);
    return this;
  }

  public String getModel() {
    return $(model);
  }

  public long getModelVersion() {
    return (Long) getOrDefault(modelVersion);
  }

  public int getMaxInFlight() {
    return (Integer) getOrDefault(maxInFlight);
  }

  public int getRowsPerRequest() {
    return (Integer) getOrDefault(rowsPerRequest);
  }

  public String[] getInputCols() {
    return $(inputCols);
  }

  public String[] getOutputCols() {
    return $(outputCols);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return plan(schema).outputSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    Bound bound = plan(schema);
    return dataset.toDF().mapPartitions(bound.plan(), Encoders.row(bound.outputSchema(schema)));
  }

  @Override
  public NereidTransformer copy(ParamMap extra) {
    return (NereidTransformer) defaultCopy(extra);
  }

  /** Reads a transformer saved with {@code write().save(path)}. */
  public static MLReader<NereidTransformer> read() {
    return new DefaultParamsReader<>();
  }

  /** Same as {@code read().load(path)}. */
  public static NereidTransformer load(String path) {
    return read().load(path);
  }

  /** The plan and the columns it adds. */
  private record Bound(InferencePlan plan) {
    StructType outputSchema(StructType schema) {
      StructType out = schema;
      for (TensorColumn column : plan.outputs()) {
        out = out.add(new StructField(column.column(), column.sparkType(), true,
            org.apache.spark.sql.types.Metadata.empty()));
      }
      return out;
    }
  }

  private Bound plan(StructType schema) {
    RepositoryLocation location = location();
    if (!isDefined(model)) {
      throw new IllegalArgumentException("NereidTransformer needs setModel(name)");
    }
    String[] inCols = required(inputCols, "setInputCols");
    String[] outCols = required(outputCols, "setOutputCols");
    String[] inNames = isDefined(inputTensors) ? $(inputTensors) : inCols;
    String[] outNames = isDefined(outputTensors) ? $(outputTensors) : outCols;
    if (inNames.length != inCols.length || outNames.length != outCols.length) {
      throw new IllegalArgumentException("inputTensors/outputTensors must name one tensor per column: "
          + Arrays.toString(inNames) + " for " + Arrays.toString(inCols) + ", "
          + Arrays.toString(outNames) + " for " + Arrays.toString(outCols));
    }
    Set<String> existing = new HashSet<>(Arrays.asList(schema.fieldNames()));
    for (String column : outCols) {
      if (!existing.add(column)) {
        throw new IllegalArgumentException("output column '" + column + "' already exists or is named twice");
      }
    }

    String name = $(model);
    Model served = ExecutorServers.model(location.resolve(), name, getModelVersion());
    if (served.decoupled()) {
      throw new IllegalArgumentException("model '" + name + "' is decoupled (any number of responses per "
          + "request); NereidTransformer needs one response per request");
    }
    ModelMetadata metadata = served.metadata();
    boolean batching = served.supportsBatching();
    List<TensorColumn> inputs = new ArrayList<>();
    int[] indexes = new int[inCols.length];
    for (int i = 0; i < inCols.length; i++) {
      inputs.add(TensorColumn.input(inCols[i], tensor(metadata.inputs(), inNames[i], name, "input"), batching,
          schema, name));
      indexes[i] = schema.fieldIndex(inCols[i]);
    }
    List<TensorColumn> outputs = new ArrayList<>();
    for (int i = 0; i < outCols.length; i++) {
      outputs.add(TensorColumn.output(outCols[i], tensor(metadata.outputs(), outNames[i], name, "output"), batching,
          name));
    }
    int rows = batching ? getRowsPerRequest() : 1;
    return new Bound(new InferencePlan(location, name, getModelVersion(), batching, List.copyOf(inputs), indexes,
        List.copyOf(outputs), rows, getMaxInFlight()));
  }

  private RepositoryLocation location() {
    boolean byPath = isDefined(modelRepository);
    boolean byFiles = isDefined(sparkFilesRepository);
    if (byPath == byFiles) {
      throw new IllegalArgumentException(
          "NereidTransformer needs exactly one of setModelRepository(path) and setSparkFilesRepository(name)");
    }
    return byPath
        ? new RepositoryLocation.SharedPath($(modelRepository))
        : new RepositoryLocation.SparkFile($(sparkFilesRepository));
  }

  private String[] required(StringArrayParam param, String setter) {
    if (!isDefined(param) || $(param).length == 0) {
      throw new IllegalArgumentException("NereidTransformer needs " + setter + "(...)");
    }
    return $(param);
  }

  private static TensorMetadata tensor(List<TensorMetadata> tensors, String name, String model, String kind) {
    for (TensorMetadata tensor : tensors) {
      if (tensor.name().equals(name)) {
        return tensor;
      }
    }
    throw new IllegalArgumentException("model '" + model + "' has no " + kind + " '" + name + "'; its " + kind
        + "s are " + tensors.stream().map(TensorMetadata::name).toList());
  }
}
