package dev.nereid.tensorflow;

import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.family.TType;

/** A SavedModel run directly through a TensorFlow session, as a user without Nereid would: the reference. */
final class DirectTf implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final Signature signature;

  DirectTf(Path dir, String signatureKey) {
    // One intra-op thread, like the test models that set TF_NUM_INTRA_THREADS 1: a matrix product's
    // last bits may depend on how many threads share it.
    bundle = SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(
        org.tensorflow.proto.ConfigProto.newBuilder().setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1)
            .build()).load();
    signature = bundle.function(signatureKey).signature();
  }

  /** The raw bytes of the named outputs for these fixed-size inputs, by signature key. */
  List<byte[]> run(Map<String, Tensor> inputs, String... outputs) {
    List<TType> fed = new ArrayList<>();
    try {
      Session.Runner runner = bundle.session().runner();
      inputs.forEach((key, t) -> {
        TType tensor = org.tensorflow.Tensor.of(TfTypes.tensorClass(t.dataType()), Shape.of(t.shape()),
            DataBuffers.of(t.data()));
        fed.add(tensor);
        runner.feed(signature.getInputs().get(key).name, tensor);
      });
      for (String o : outputs) runner.fetch(signature.getOutputs().get(o).name);
      try (Result result = runner.run()) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < outputs.length; i++) {
          org.tensorflow.Tensor t = result.get(i);
          byte[] bytes = new byte[(int) t.numBytes()];
          t.asRawTensor().data().read(bytes);
          out.add(bytes);
        }
        return out;
      }
    } finally {
      fed.forEach(TType::close);
    }
  }

  @Override
  public void close() {
    bundle.close();
  }

  static byte[] bytes(Tensor tensor) {
    ByteBuffer data = tensor.data();
    byte[] out = new byte[data.remaining()];
    data.get(out);
    return out;
  }
}
