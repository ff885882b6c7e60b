package dev.nereid.tensorflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * The test SavedModels, made by TensorFlow Java itself in the tests' set-up: each writes
 * {@code <repository>/<name>/1/model.savedmodel} (and a config when given).
 */
final class SavedModels {
  private SavedModels() {}

  /** Exports one graph with its signatures into {@code <root>/<name>/1/model.savedmodel}. */
  static Path export(Path root, String name, String config, BiFunction<Ops, Session, SessionFunction[]> build)
      throws Exception {
    Path version = Files.createDirectories(root.resolve(name).resolve("1"));
    if (config != null) Files.writeString(root.resolve(name).resolve("config.pbtxt"), config);
    Path dir = version.resolve("model.savedmodel");
    try (Graph g = new Graph(); Session s = new Session(g)) {
      SessionFunction[] functions = build.apply(Ops.create(g), s);
      SavedModelBundle.Exporter exporter = SavedModelBundle.exporter(dir.toString());
      for (SessionFunction f : functions) exporter.withFunction(f);
      exporter.export();
    }
    return dir;
  }

  /** x, y FP32 [-1, 4]: {@code serving_default} gives sum and diff, {@code product} gives x * y. */
  static SessionFunction[] addSub(Ops tf, Session s) {
    Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
    Placeholder<TFloat32> y = tf.withName("y").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
    return new SessionFunction[] {
        SessionFunction.create(Signature.builder().key("serving_default").input("x", x).input("y", y)
            .output("sum", tf.withName("sum").math.add(x, y)).output("diff", tf.withName("diff").math.sub(x, y))
            .build(), s),
        SessionFunction.create(Signature.builder().key("product").input("x", x).input("y", y)
            .output("product", tf.withName("product").math.mul(x, y)).build(), s)};
  }

  /** An identity on {@code [-1, 3]} tensors of one type: input "in", output "out". */
  static <T extends TType> BiFunction<Ops, Session, SessionFunction[]> identity(Class<T> type) {
    return (tf, s) -> {
      Placeholder<T> in = tf.withName("in").placeholder(type, Placeholder.shape(Shape.of(-1, 3)));
      Operand<T> out = tf.withName("out").identity(in);
      return new SessionFunction[] {
          SessionFunction.create(Signature.builder().key("serving_default").input("in", in).output("out", out).build(), s)};
    };
  }

  /** Strings [-1, 2]: "text" back unchanged, and each element's byte length as INT32. */
  static SessionFunction[] strings(Ops tf, Session s) {
    Placeholder<TString> text = tf.withName("text").placeholder(TString.class, Placeholder.shape(Shape.of(-1, 2)));
    return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default")
        .input("text", text).output("same", tf.withName("same").identity(text))
        .output("length", tf.withName("length").strings.stringLength(text)).build(), s)};
  }

  /** A fixed-shape model, x FP32 [4] to y = x * 3, which cannot batch. */
  static SessionFunction[] fixed(Ops tf, Session s) {
    Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(4)));
    return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default").input("x", x)
        .output("y", tf.withName("y").math.mul(x, tf.constant(3f))).build(), s)};
  }

  /** A one-layer perceptron, x FP32 [-1, 16] to tanh(x W + b) [-1, 8], weights from a fixed seed. */
  static SessionFunction[] mlp(Ops tf, Session s) {
    Random random = new Random(11);
    float[][] w = new float[16][8];
    float[] b = new float[8];
    for (float[] row : w) for (int j = 0; j < 8; j++) row[j] = (float) random.nextGaussian() / 4;
    for (int j = 0; j < 8; j++) b[j] = (float) random.nextGaussian() / 10;
    Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 16)));
    Operand<TFloat32> y = tf.withName("y").math.tanh(tf.math.add(
        tf.linalg.matMul(x, tf.constant(StdArrays.ndCopyOf(w))), tf.constant(b)));
    return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default")
        .input("x", x).output("y", y).build(), s)};
  }

  /**
   * Outputs of types TensorFlow Java cannot make, as {@code Bitcast}s of inputs it can: x UINT8 [-1, 3]
   * to "signed" INT8, y INT64 [-1, 3] to "unsigned" UINT64 (the same bytes).
   */
  static SessionFunction[] narrowOutputs(Ops tf, Session s) {
    Placeholder<TUint8> x = tf.withName("x").placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, 3)));
    Placeholder<TInt64> y = tf.withName("y").placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, 3)));
    return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default")
        .input("x", x).input("y", y)
        .output("signed", bitcast(tf, x, "signed", DataType.DT_INT8))
        .output("unsigned", bitcast(tf, y, "unsigned", DataType.DT_UINT64)).build(), s)};
  }

  /** The values {@link #weighted}'s variable w holds in the export: set after initialisation, so only a restore gives them. */
  static final long[] WEIGHT = {3, -7, 2};
  /** The values {@link #weighted}'s variable b holds in the export. */
  static final long[] BIAS = {-5, 11, 1000};

  /**
   * An input of a type TensorFlow Java cannot make, read through variables: placeholder "x" of {@code type}
   * [-1, 3] to "y" INT64 = cast(x) * w + b, and "same", x's Identity. The variables w and b (INT64 [3]) are
   * initialised to 0 and set to {@link #WEIGHT} and {@link #BIAS} before the export.
   */
  static BiFunction<Ops, Session, SessionFunction[]> weighted(dev.nereid.DataType type) {
    return (tf, s) -> {
      Output<?> x = placeholder(tf, "x", type);
      Variable<TInt64> w = tf.withName("w").variable(tf.constant(new long[3]));
      Variable<TInt64> b = tf.withName("b").variable(tf.constant(new long[3]));
      Operand<TInt64> y = tf.withName("y").math.add(tf.math.mul(widened(tf, x), w), b);
      Output<?> same = ((Graph) tf.scope().env()).opBuilder("Identity", "same", tf.scope()).addInput(x).build().output(0);
      // "Trained": the checkpoint holds these, not the initial zeros.
      s.runner().addTarget(tf.assign(w, tf.constant(WEIGHT))).addTarget(tf.assign(b, tf.constant(BIAS))).run().close();
      return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default")
          .input("x", x).output("y", y).output("same", same).build(), s)};
    };
  }

  /** What {@link #initialized}'s init op sets its variable "offset" to (the checkpoint holds 0). */
  static final long INIT_OFFSET = 1000;
  /** What {@link #initialized}'s init op reads into its variable "vocab": the asset file {@code vocab.txt}. */
  static final String ASSET_FILE = "vocab.txt";

  /**
   * An INT8 input "x" [-1, 3] to "y" INT64 = cast(x) + offset, a variable exported as 0, and "vocab" BYTES, a
   * variable exported empty. Op "set_offset" sets offset to {@link #INIT_OFFSET} and reads the file whose path
   * placeholder "vocab_path" is fed into vocab; {@link #withInitOp} makes it the SavedModel's init op and
   * {@link #ASSET_FILE} its asset fed to "vocab_path".
   */
  static SessionFunction[] initialized(Ops tf, Session s) {
    Output<?> x = placeholder(tf, "x", dev.nereid.DataType.INT8);
    Variable<TInt64> offset = tf.withName("offset").variable(tf.constant(0L));
    Variable<TString> vocab = tf.withName("vocab").variable(tf.constant(""));
    Placeholder<TString> path = tf.withName("vocab_path").placeholder(TString.class, Placeholder.shape(Shape.scalar()));
    tf.withName("set_offset").withControlDependencies(List.of(tf.assign(vocab, tf.io.readFile(path))))
        .assign(offset, tf.constant(INIT_OFFSET));
    return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default")
        .input("x", x).output("y", tf.withName("y").math.add(widened(tf, x), offset))
        .output("vocab", tf.withName("vocab_value").identity(vocab)).build(), s)};
  }

  /** Where a SavedModel names its init op: TensorFlow 2's signature, or TensorFlow 1's collections. */
  enum InitOp { SIGNATURE, MAIN_OP_COLLECTION, LEGACY_INIT_OP_COLLECTION }

  /**
   * Makes op {@code op} the init op of the SavedModel in {@code dir}, named where {@code where} says, and
   * {@code assets/<asset>} (written with {@code content}) its asset file fed to tensor {@code assetTensor}.
   */
  static void withInitOp(Path dir, String op, InitOp where, String assetTensor, String asset, String content)
      throws Exception {
    Path file = dir.resolve("saved_model.pb");
    SavedModel.Builder saved = SavedModel.parseFrom(Files.readAllBytes(file)).toBuilder();
    MetaGraphDef.Builder meta = saved.getMetaGraphsBuilder(0);
    switch (where) {
      case SIGNATURE -> meta.putSignatureDef("__saved_model_init_op", SignatureDef.newBuilder()
          .putOutputs("__saved_model_init_op", TensorInfo.newBuilder().setName(op).build()).build());
      case MAIN_OP_COLLECTION -> meta.putCollectionDef("saved_model_main_op", nodeList(op));
      case LEGACY_INIT_OP_COLLECTION -> meta.putCollectionDef("legacy_init_op", nodeList(op));
    }
    meta.addAssetFileDef(AssetFileDef.newBuilder().setFilename(asset)
        .setTensorInfo(TensorInfo.newBuilder().setName(assetTensor)));
    Files.write(file, saved.build().toByteArray());
    Files.writeString(Files.createDirectories(dir.resolve("assets")).resolve(asset), content);
  }

  private static CollectionDef nodeList(String op) {
    return CollectionDef.newBuilder().setNodeList(CollectionDef.NodeList.newBuilder().addValue(op)).build();
  }

  /** An INT8 signature input "x" that is an Identity of a placeholder, not a placeholder: "y" its Cast to INT64. */
  static SessionFunction[] int8NotAPlaceholder(Ops tf, Session s) {
    Output<?> p = placeholder(tf, "p", dev.nereid.DataType.INT8);
    Output<?> x = ((Graph) tf.scope().env()).opBuilder("Identity", "x", tf.scope()).addInput(p).build().output(0);
    return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default")
        .input("x", x).output("y", widened(tf, x)).build(), s)};
  }

  private static Output<?> placeholder(Ops tf, String name, dev.nereid.DataType type) {
    return ((Graph) tf.scope().env()).opBuilder("Placeholder", name, tf.scope()).setAttr("dtype", TfTypes.toTf(type))
        .setAttr("shape", Shape.of(-1, 3)).build().output(0);
  }

  private static Operand<TInt64> widened(Ops tf, Output<?> x) {
    return ((Graph) tf.scope().env()).opBuilder("Cast", "widened", tf.scope()).addInput(x)
        .setAttr("DstT", DataType.DT_INT64).build().<TInt64>output(0);
  }

  private static Output<?> bitcast(Ops tf, Operand<?> input, String name, DataType type) {
    Graph g = (Graph) tf.scope().env();
    return g.opBuilder("Bitcast", name, tf.scope()).addInput(input.asOutput()).setAttr("type", type).build().output(0);
  }

  /**
   * A running sum for sequence batching with implicit state: INPUT and STATE_IN FP32 [-1, 3] to OUTPUT =
   * STATE_OUT = INPUT + STATE_IN, and the CORRID control [-1, 1] of type {@code corrid} (INT64, or UINT64
   * as Triton's configs often declare it, which TensorFlow Java cannot make) echoed as ID.
   */
  static BiFunction<Ops, Session, SessionFunction[]> accumulate(dev.nereid.DataType corrid) {
    return (tf, s) -> {
      Placeholder<TFloat32> input = tf.withName("INPUT").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      Placeholder<TFloat32> state = tf.withName("STATE_IN").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 3)));
      Graph g = (Graph) tf.scope().env();
      Output<?> id = g.opBuilder("Placeholder", "CORRID", tf.scope()).setAttr("dtype", TfTypes.toTf(corrid))
          .setAttr("shape", Shape.of(-1, 1)).build().output(0);
      Operand<TFloat32> sum = tf.withName("OUTPUT").math.add(input, state);
      return new SessionFunction[] {SessionFunction.create(Signature.builder().key("serving_default")
          .input("INPUT", input).input("STATE_IN", state).input("CORRID", id)
          .output("OUTPUT", sum).output("STATE_OUT", tf.withName("STATE_OUT").identity(sum))
          .output("ID", g.opBuilder("Identity", "ID", tf.scope()).addInput(id).build().output(0)).build(), s)};
    };
  }
}
