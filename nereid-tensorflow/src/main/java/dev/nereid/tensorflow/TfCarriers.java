package dev.nereid.tensorflow;

import dev.nereid.DataType;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * The rewrite that lets TensorFlow Java feed INT8, INT16, UINT32 and UINT64 placeholders, which it cannot
 * make tensors of. Before a graph is imported, each placeholder of those types is split in two: a
 * placeholder of the {@linkplain TfTypes#carrier carrier} type under {@link #carrierName}, and, under the
 * original name, a {@code Bitcast} of it to the original type. The graph's own nodes read the same tensor
 * as before, bit for bit; Nereid feeds the carrier. Used for GraphDefs and for SavedModels with such inputs.
 */
final class TfCarriers {
  private static final String CARRIER_SUFFIX = "__nereid_carrier";

  private TfCarriers() {}

  /** The name of the placeholder that carries input node {@code node} of a type TensorFlow Java cannot make. */
  static String carrierName(String node) {
    return node + CARRIER_SUFFIX;
  }

  /**
   * The carrier tensor to feed for graph tensor {@code tensor} ({@code op:index}), or null when it is not
   * a placeholder's output (only a placeholder's single output, index 0, can have a carrier).
   */
  static String carrierTensor(String tensor) {
    int colon = tensor.lastIndexOf(':');
    if (colon < 0) return carrierName(tensor) + ":0";
    return tensor.substring(colon + 1).equals("0") ? carrierName(tensor.substring(0, colon)) + ":0" : null;
  }

  /** {@code def} with every placeholder of a carried type split as above; {@code def} itself when it has none. */
  static GraphDef withCarriers(GraphDef def) {
    GraphDef.Builder b = null;
    for (int i = 0; i < def.getNodeCount(); i++) {
      NodeDef node = def.getNode(i);
      if (!node.getOp().equals("Placeholder")) continue;
      DataType type = TfTypes.fromTf(node.getAttrOrDefault("dtype", AttrValue.getDefaultInstance()).getType());
      if (type == null || !TfTypes.carried(type)) continue;
      if (b == null) b = def.toBuilder();
      AttrValue carrier = AttrValue.newBuilder().setType(TfTypes.toTf(TfTypes.carrier(type))).build();
      b.setNode(i, NodeDef.newBuilder().setName(node.getName()).setOp("Bitcast").setDevice(node.getDevice())
          .addInput(carrierName(node.getName())).putAttr("T", carrier)
          .putAttr("type", AttrValue.newBuilder().setType(TfTypes.toTf(type)).build()));
      b.addNode(node.toBuilder().setName(carrierName(node.getName())).putAttr("dtype", carrier));
    }
    return b == null ? def : b.build();
  }
}
