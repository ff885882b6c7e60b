package dev.nereid.pytorch;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import dev.nereid.proto.ModelSequenceBatching;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each config tensor goes in {@code forward}'s arguments and comes from in its result, by
 * Triton's rules for PyTorch models.
 *
 * <p>Inputs (the config's, then the sequence batcher's control inputs, then its implicit state inputs):
 * when every name is one of {@code forward}'s argument names, by name; otherwise, when every name
 * ends in {@code __<index>} ({@code INPUT__0}), by that index; otherwise in that order. When
 * {@code forward} takes one {@code Dict[str, Tensor]} argument, every input goes into it under its own
 * name, as Triton does. Outputs (the
 * config's, then the state outputs): from a dict result by key; otherwise by {@code __<index>} when
 * every name has one, and in config order otherwise.
 *
 * @param inputs each input and its argument position
 * @param outputs each output and its position in a tuple or list result
 * @param argumentCount how many arguments {@code forward} is called with
 * @param convention how the inputs were matched to the arguments
 */
record TorchIo(List<Input> inputs, List<Output> outputs, int argumentCount, Convention convention) {
  private static final Pattern INDEXED = Pattern.compile("^.+__(\\d+)$");

  /** How a model's inputs were matched to {@code forward}'s arguments (Triton's naming conventions). */
  enum Convention { FORWARD_ARGUMENT, NAMED_INDEX, CONFIG_ORDER, DICT_KEY }

  /**
   * One input.
   *
   * @param name the tensor's name
   * @param position its argument position after {@code self}
   * @param strings whether it is passed as {@code List[str]} (a BYTES tensor)
   */
  record Input(String name, int position, boolean strings) {}

  /**
   * One output.
   *
   * @param name the tensor's name, also its key in a dict result
   * @param position its position in a tuple or list result
   * @param type the data type the config declares
   */
  record Output(String name, int position, DataType type) {}

  TorchIo {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** Matches a config to a model's {@code forward} (its signature when the archive shows it). */
  static TorchIo of(String model, ModelConfig config, Optional<ForwardSignature> signature) {
    List<String> inputNames = new ArrayList<>();
    List<DataType> inputTypes = new ArrayList<>();
    for (ModelInput in : config.getInputList()) {
      inputNames.add(in.getName());
      inputTypes.add(DataType.fromConfigNumber(in.getDataTypeValue()));
    }
    ModelSequenceBatching sequence = config.hasSequenceBatching() ? config.getSequenceBatching() : null;
    if (sequence != null) {
      for (ModelSequenceBatching.ControlInput control : sequence.getControlInputList()) {
        inputNames.add(control.getName());
        inputTypes.add(null);
      }
      for (ModelSequenceBatching.State state : sequence.getStateList()) {
        inputNames.add(state.getInputName());
        inputTypes.add(DataType.fromConfigNumber(state.getDataTypeValue()));
      }
    }
    List<String> outputNames = new ArrayList<>();
    List<DataType> outputTypes = new ArrayList<>();
    for (ModelOutput out : config.getOutputList()) {
      outputNames.add(out.getName());
      outputTypes.add(DataType.fromConfigNumber(out.getDataTypeValue()));
    }
    if (sequence != null) {
      for (ModelSequenceBatching.State state : sequence.getStateList()) {
        outputNames.add(state.getOutputName());
        outputTypes.add(DataType.fromConfigNumber(state.getDataTypeValue()));
      }
    }
    if (outputNames.isEmpty()) {
      throw new NereidException.InvalidArgument("model '" + model + "': model configuration must contain at least one "
          + "output, none were specified");
    }
    for (int i = 0; i < inputNames.size(); i++) requireTorchType(model, "input", inputNames.get(i), inputTypes.get(i));
    for (int i = 0; i < outputNames.size(); i++) requireTorchType(model, "output", outputNames.get(i), outputTypes.get(i));

    List<Integer> outputPositions = indexed(outputNames).orElseGet(() -> order(outputNames.size()));
    checkIndexes(model, "output", outputNames, outputPositions, outputNames.size());
    List<Output> outputs = new ArrayList<>();
    for (int i = 0; i < outputNames.size(); i++) {
      outputs.add(new Output(outputNames.get(i), outputPositions.get(i), outputTypes.get(i)));
    }
    if (convention(inputNames, signature) == Convention.DICT_KEY) {
      List<Input> inputs = new ArrayList<>();
      for (int i = 0; i < inputNames.size(); i++) {
        if (inputTypes.get(i) == DataType.BYTES) {
          throw new NereidException.InvalidArgument("model '" + model + "': input '" + inputNames.get(i)
              + "' is TYPE_STRING, but forward() takes one Dict[str, Tensor] argument, which holds tensors only");
        }
        inputs.add(new Input(inputNames.get(i), 0, false));
      }
      return new TorchIo(inputs, outputs, 1, Convention.DICT_KEY);
    }

    int arguments = signature.map(s -> s.arguments().size()).orElse(inputNames.size());
    if (signature.isPresent() && arguments != inputNames.size()) {
      // Triton's wording (its pytorch backend's), then the names on both sides.
      throw new NereidException.InvalidArgument("unable to load model '" + model + "', configuration expects "
          + inputNames.size() + " inputs, model provides " + arguments + ": the configuration's inputs are "
          + inputNames + ", the model's forward() takes " + signature.get().arguments());
    }
    List<Integer> positions = inputPositions(model, inputNames, signature);
    List<Input> inputs = new ArrayList<>();
    for (int i = 0; i < inputNames.size(); i++) {
      int position = positions.get(i);
      boolean strings = inputTypes.get(i) == DataType.BYTES;
      if (signature.isPresent()) {
        String declared = signature.get().types().get(position);
        if (strings && !declared.equals("List[str]")) {
          throw new NereidException.InvalidArgument("model '" + model + "': input '" + inputNames.get(i)
              + "' is TYPE_STRING in the config, but forward() argument '" + signature.get().arguments().get(position)
              + "' is " + declared + " (a TYPE_STRING input must be a List[str] argument)");
        }
      }
      inputs.add(new Input(inputNames.get(i), position, strings));
    }
    return new TorchIo(inputs, outputs, arguments, convention(inputNames, signature));
  }

  /** Which convention the positions follow, for the load log. */
  static Convention convention(List<String> names, Optional<ForwardSignature> signature) {
    if (signature.isPresent() && signature.get().types().size() == 1
        && signature.get().types().get(0).replace(" ", "").equals("Dict[str,Tensor]")) {
      return Convention.DICT_KEY;
    }
    if (signature.isPresent() && signature.get().arguments().containsAll(names)) return Convention.FORWARD_ARGUMENT;
    return indexed(names).isPresent() ? Convention.NAMED_INDEX : Convention.CONFIG_ORDER;
  }

  private static List<Integer> inputPositions(String model, List<String> names, Optional<ForwardSignature> signature) {
    return switch (convention(names, signature)) {
      case FORWARD_ARGUMENT -> names.stream().map(n -> signature.get().arguments().indexOf(n)).toList();
      case NAMED_INDEX -> {
        List<Integer> positions = indexed(names).orElseThrow();
        checkIndexes(model, "input", names, positions, names.size());
        yield positions;
      }
      case CONFIG_ORDER -> order(names.size());
      case DICT_KEY -> throw new IllegalStateException("dict inputs have no positions");
    };
  }

  /** The {@code __<index>} suffixes, when every name has one. */
  private static Optional<List<Integer>> indexed(List<String> names) {
    if (names.isEmpty()) return Optional.empty();
    List<Integer> out = new ArrayList<>();
    for (String name : names) {
      Matcher m = INDEXED.matcher(name);
      if (!m.matches()) return Optional.empty();
      try {
        out.add(Integer.parseInt(m.group(1)));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.of(out);
  }

  private static void checkIndexes(String model, String kind, List<String> names, List<Integer> positions, int count) {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      int p = positions.get(i);
      if (kind.equals("input") && p >= count) {
        throw new NereidException.InvalidArgument("model '" + model + "': " + kind + " '" + names.get(i)
            + "' has index " + p + ", but the model has " + count + " " + kind + "s (indexes 0 to " + (count - 1) + ")");
      }
      if (!seen.add(p)) {
        throw new NereidException.InvalidArgument("model '" + model + "': " + kind + " '" + names.get(i)
            + "' has index " + p + ", which another " + kind + " has too");
      }
    }
  }

  private static List<Integer> order(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(i);
    return out;
  }

  private static void requireTorchType(String model, String kind, String name, DataType type) {
    if (type == null || type == DataType.BYTES || TorchTypes.toTorch(type) != null) return;
    throw new NereidException.Unsupported("model '" + model + "': " + kind + " '" + name + "' is " + type.configName()
        + ", which libtorch (and Triton's PyTorch backend) has no tensor type for");
  }
}
