package dev.nereid.tensorflow;

import dev.nereid.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/**
 * The test GraphDefs, made in the tests' set-up: by TensorFlow Java itself ({@code Graph.toGraphDef})
 * where its API can build the graph, and as GraphDef protos node by node for the types its API cannot
 * name. Each writes {@code <repository>/<name>/1/model.graphdef} and the given config.
 */
final class GraphDefs {
  private GraphDefs() {}

  /** Writes {@code def} as {@code <root>/<name>/1/model.graphdef}, and the config when given. */
  static Path write(Path root, String name, String config, GraphDef def) throws Exception {
    Path version = Files.createDirectories(root.resolve(name).resolve("1"));
    if (config != null) Files.writeString(root.resolve(name).resolve("config.pbtxt"), config);
    return Files.write(version.resolve("model.graphdef"), def.toByteArray());
  }

  /**
   * Triton's test naming: INPUT0, INPUT1 FP32 [-1, 4]; OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1.
   */
  static GraphDef addSub() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> a = tf.withName("INPUT0").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Placeholder<TFloat32> b = tf.withName("INPUT1").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      tf.withName("OUTPUT0").math.add(a, b);
      tf.withName("OUTPUT1").math.sub(a, b);
      return g.toGraphDef();
    }
  }

  /**
   * A placeholder {@code in} [-1, 3] of {@code type}, {@code out} its Identity, and {@code wide} its Cast to
   * INT64 (which shows the graph reads {@code in} as {@code type}: INT8 -1 widens to -1, UINT8 255 to 255).
   */
  static GraphDef narrow(DataType type) {
    AttrValue t = AttrValue.newBuilder().setType(TfTypes.toTf(type)).build();
    TensorShapeProto shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dim.newBuilder().setSize(-1)).addDim(TensorShapeProto.Dim.newBuilder().setSize(3))
        .build();
    return GraphDef.newBuilder()
        .addNode(NodeDef.newBuilder().setName("in").setOp("Placeholder").putAttr("dtype", t)
            .putAttr("shape", AttrValue.newBuilder().setShape(shape).build()))
        .addNode(NodeDef.newBuilder().setName("out").setOp("Identity").addInput("in").putAttr("T", t))
        .addNode(NodeDef.newBuilder().setName("wide").setOp("Cast").addInput("in").putAttr("SrcT", t)
            .putAttr("DstT", AttrValue.newBuilder().setType(org.tensorflow.proto.DataType.DT_INT64).build())
            .putAttr("Truncate", AttrValue.newBuilder().setB(false).build()))
        .build();
  }
}
