package dev.nereid.internal.request;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.tensor.BytesCodec;
import dev.nereid.internal.tensor.Shapes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a request against a model's signature before any backend sees it, converting Java-valued
 * inputs to tensors of the configured types. Messages follow Triton's wording, and name the model and
 * tensor at fault.
 */
public final class RequestValidator {
  private RequestValidator() {}

  /** The request's inputs as tensors of the configured types, checked; throws InvalidArgument. */
  public static Map<String, Tensor> validate(ModelSignature sig, InferenceRequest request) {
    Map<String, Object> given = request.inputs();
    Map<String, Tensor> inputs = new HashMap<>(Math.max(4, given.size() * 2));
    long batch = -1;
    for (Map.Entry<String, Object> e : given.entrySet()) {
      String name = e.getKey();
      ModelSignature.Input spec = sig.inputs().get(name);
      if (spec == null) {
        throw invalid("unexpected inference input '" + name + "' for model '" + sig.modelName() + "'");
      }
      Tensor tensor = toTensor(sig, spec, e.getValue());
      checkType(sig, spec, tensor);
      checkShape(sig, spec, tensor);
      checkSize(sig, spec, tensor);
      if (sig.maxBatchSize() > 0) {
        long b = tensor.dim(0);
        if (batch >= 0 && b != batch) {
          throw invalid("input '" + name + "' batch size " + b + " does not match other inputs' batch size " + batch
              + " for model '" + sig.modelName() + "'");
        }
        batch = b;
      }
      inputs.put(name, tensor);
    }
    if (inputs.size() < sig.requiredInputCount() || hasMissingRequired(sig, inputs)) {
      throw missingInputs(sig, inputs);
    }
    for (String output : request.requestedOutputs()) {
      if (!sig.outputs().containsKey(output)) {
        throw invalid("unexpected inference output '" + output + "' for model '" + sig.modelName() + "'");
      }
    }
    return inputs;
  }

  private static Tensor toTensor(ModelSignature sig, ModelSignature.Input spec, Object value) {
    if (value instanceof Tensor t) {
      return t;
    }
    try {
      return Tensor.fromArray(value, spec.type());
    } catch (NereidException e) {
      throw invalid("input '" + spec.name() + "' for model '" + sig.modelName() + "': " + e.getMessage());
    }
  }

  private static void checkType(ModelSignature sig, ModelSignature.Input spec, Tensor tensor) {
    if (tensor.dataType() != spec.type()) {
      throw invalid("inference input '" + spec.name() + "' data-type is '" + tensor.dataType().kserveName()
          + "', but model '" + sig.modelName() + "' expects '" + spec.type().kserveName() + "'");
    }
  }

  private static void checkShape(ModelSignature sig, ModelSignature.Input spec, Tensor tensor) {
    long[] dims = spec.dims();
    int offset = sig.maxBatchSize() > 0 ? 1 : 0;
    boolean ok = tensor.rank() == dims.length + offset;
    for (int i = 0; ok && i < dims.length; i++) {
      long d = tensor.dim(i + offset);
      ok = dims[i] == -1 ? d >= 0 : d == dims[i];
    }
    if (!ok) {
      long[] expected = dims;
      if (offset == 1) {
        expected = new long[dims.length + 1];
        expected[0] = -1;
        System.arraycopy(dims, 0, expected, 1, dims.length);
      }
      String hint = offset == 1 && tensor.rank() == dims.length
          ? ". NOTE: a model with max_batch_size > 0 needs the batch dimension first in each input's shape" : "";
      throw invalid("unexpected shape for input '" + spec.name() + "' for model '" + sig.modelName() + "'. Expected "
          + Shapes.format(expected) + ", got " + Shapes.format(tensor.shape()) + hint);
    }
    if (offset == 1 && tensor.dim(0) > sig.maxBatchSize()) {
      throw invalid("inference request batch-size must be <= " + sig.maxBatchSize() + " for '" + sig.modelName()
          + "', got " + tensor.dim(0));
    }
  }

  private static void checkSize(ModelSignature sig, ModelSignature.Input spec, Tensor tensor) {
    long elements = tensor.elementCount();
    if (spec.type() == DataType.BYTES) {
      long found = BytesCodec.countElements(tensor.data());
      if (found < 0) {
        throw invalid("input '" + spec.name() + "' for model '" + sig.modelName()
            + "' holds a malformed BYTES buffer: an element's 4-byte length runs past the end of the data");
      }
      if (found > elements) {
        // Triton's wording (its L0_input_validation matches on it): it stops counting one past the expected number.
        throw invalid("unexpected number of string elements " + (elements + 1) + " for inference input '" + spec.name()
            + "' for model '" + sig.modelName() + "', expecting " + elements);
      }
      if (found != elements) {
        throw invalid("expected " + elements + " string elements for inference input '" + spec.name() + "' for model '"
            + sig.modelName() + "', got " + found);
      }
      return;
    }
    long expected = elements * spec.type().byteSize();
    if (tensor.byteSize() != expected) {
      throw invalid("input byte size mismatch for input '" + spec.name() + "' for model '" + sig.modelName()
          + "'. Expected " + expected + ", got " + tensor.byteSize());
    }
  }

  private static boolean hasMissingRequired(ModelSignature sig, Map<String, Tensor> inputs) {
    for (ModelSignature.Input spec : sig.inputs().values()) {
      if (!spec.optional() && !inputs.containsKey(spec.name())) return true;
    }
    return false;
  }

  private static NereidException missingInputs(ModelSignature sig, Map<String, Tensor> inputs) {
    List<String> missing = new ArrayList<>();
    for (ModelSignature.Input spec : sig.inputs().values()) {
      if (!spec.optional() && !inputs.containsKey(spec.name())) missing.add("'" + spec.name() + "'");
    }
    List<String> got = inputs.keySet().stream().sorted().map(n -> "'" + n + "'").toList();
    return invalid("expected " + sig.requiredInputCount() + " inputs but got " + inputs.size() + " inputs for model '"
        + sig.modelName() + "'. Got input(s) " + got + ", but missing required input(s) " + missing
        + ". Please provide all required input(s).");
  }

  private static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }
}
