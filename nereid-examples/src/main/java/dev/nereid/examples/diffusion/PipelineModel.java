package dev.nereid.examples.diffusion;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelMetadata;
import dev.nereid.NereidException;
import dev.nereid.ResponseIterator;
import dev.nereid.Tensor;
import java.util.List;

/**
 * One of the models the pipeline calls (business logic scripting), with its inputs' declared data
 * types and shapes looked up once per generation, so that a model exported with other types (INT64
 * ids, an FP32 timestep) is fed what it declares.
 */
final class PipelineModel {
  private final String role;
  private final Model model;
  private final ModelMetadata metadata;

  private PipelineModel(String role, Model model, ModelMetadata metadata) {
    this.role = role;
    this.model = model;
    this.metadata = metadata;
  }

  /**
   * The model's current metadata.
   *
   * @throws NereidException.Unavailable naming the role and model when it is not served: the request
   *     was fine, the repository lacks a model
   */
  static PipelineModel resolve(String role, Model model) {
    try {
      return new PipelineModel(role, model, model.metadata());
    } catch (NereidException e) {
      throw new NereidException.Unavailable("the " + role + " model '" + model.name() + "' is not available: "
          + e.getMessage(), e);
    }
  }

  String name() {
    return model.name();
  }

  /** The data type declared for an input, which must be one of {@code allowed}. */
  DataType inputType(String input, DataType... allowed) {
    DataType type = DataType.parse(input(input).datatype());
    for (DataType a : allowed) {
      if (a == type) return type;
    }
    throw new NereidException.Unsupported("the " + role + " model '" + model.name() + "' declares input '" + input
        + "' as " + type + "; the pipeline feeds it " + List.of(allowed));
  }

  /** The declared shape of an input with each variable dimension replaced by {@code batch}. */
  long[] inputShape(String input, long batch) {
    return input(input).shape().stream().mapToLong(d -> d < 0 ? batch : d).toArray();
  }

  private ModelMetadata.TensorMetadata input(String input) {
    return metadata.inputs().stream().filter(t -> t.name().equals(input)).findFirst().orElseThrow(() ->
        new NereidException.InvalidArgument("the " + role + " model '" + model.name() + "' has no input '" + input
            + "' (it has " + metadata.inputs().stream().map(ModelMetadata.TensorMetadata::name).toList()
            + "); the pipeline expects the inputs of a Hugging Face Optimum export"));
  }

  /**
   * Runs a request and returns its output: blocking, as the pipeline needs each result before its
   * next step. Errors keep their code and name this model.
   */
  Tensor infer(InferenceRequest request, String output) {
    try (ResponseIterator responses = model.infer(request)) {
      InferenceResponse response = responses.next();
      return response.output(output);
    } catch (NereidException e) {
      throw NereidException.of(e.code(), "the " + role + " model '" + model.name() + "' failed: " + e.getMessage(), e);
    }
  }
}
