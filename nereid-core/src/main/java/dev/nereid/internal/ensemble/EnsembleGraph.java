package dev.nereid.internal.ensemble;

import dev.nereid.NereidException;
import dev.nereid.internal.tensor.Shapes;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelEnsembling;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An ensemble's {@code ensemble_scheduling} checked against its composing models' configs and turned
 * into a data-flow graph: which step produces each tensor, which steps read it, and which tensors come
 * from the responses of a decoupled step. Every error names the ensemble and the step at fault.
 */
public final class EnsembleGraph {
  /** Where the configs of composing models come from; throws a NereidException for a model not ready. */
  @FunctionalInterface
  public interface ComposingConfigs {
    ModelConfig config(String model, long version);
  }

  /**
   * One step.
   *
   * @param index the step's position in the config, from 0
   * @param model the composing model
   * @param version its version, or -1 for the latest ready one
   * @param inputMap composing model input -> ensemble tensor
   * @param outputMap composing model output -> ensemble tensor
   * @param decoupled whether the composing model may send several responses per request
   * @param label the decoupled scope the step runs in: 0 for the request's, else 1 + the index of the
   *     decoupled step whose responses its inputs come from
   */
  public record Step(int index, String model, long version, Map<String, String> inputMap,
      Map<String, String> outputMap, boolean decoupled, int label) {
    /** How errors name the step: {@code step 1 (model 'm')}. */
    public String describe() {
      return "step " + index + " (model '" + model + "'" + (version < 0 ? "" : " version " + version) + ")";
    }

    /** The label of the tensors this step produces. */
    int outputLabel() {
      return decoupled ? index + 1 : label;
    }
  }

  /** A tensor of the graph: its type and shape as its producer declares them, and who produces it. */
  /** What writes an ensemble tensor; {@code model} is the ensemble for its inputs, else the step's model. */
  private record Producer(String what, String model, DataType type, List<Long> fullDims, List<Long> dims, int step) {}

  /** Which side Triton's consistency message names first: the tensor as first seen, then as seen again. */
  private enum FirstSeen { PRODUCER, READER }

  private final List<Step> steps;
  private final Set<String> inputs;
  private final List<String> outputs;
  private final Map<String, List<Step>> readers;
  private final int outputLabel;
  private final boolean decoupled;

  private EnsembleGraph(List<Step> steps, Set<String> inputs, List<String> outputs, Map<String, List<Step>> readers,
      int outputLabel) {
    this.steps = List.copyOf(steps);
    this.inputs = Set.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.readers = readers;
    this.outputLabel = outputLabel;
    this.decoupled = steps.stream().anyMatch(Step::decoupled);
  }

  /** The names of the models an ensemble config's steps use, in step order, without repeats. */
  public static Set<String> composingModels(ModelConfig config) {
    Set<String> names = new LinkedHashSet<>();
    for (ModelEnsembling.Step s : config.getEnsembleScheduling().getStepList()) {
      if (!s.getModelName().isEmpty()) names.add(s.getModelName());
    }
    return names;
  }

  /**
   * Checks what an ensemble config says by itself, without looking at its composing models: it has
   * steps, each naming a model other than the ensemble; each tensor is produced once, by an ensemble
   * input or a step; each tensor a step reads is produced; each ensemble output is produced by a step;
   * and each ensemble input is read by a step (Triton: "must map ensemble input").
   *
   * @throws NereidException.InvalidArgument naming the ensemble and the step or tensor at fault
   */
  public static void checkStructure(String ensemble, ModelConfig config) {
    String where = "in ensemble '" + ensemble + "', ";
    List<ModelEnsembling.Step> specs = config.getEnsembleScheduling().getStepList();
    if (specs.isEmpty()) {
      throw invalid("ensemble '" + ensemble + "' has no steps: add ensemble_scheduling { step [ ... ] }");
    }
    for (ModelInput input : config.getInputList()) {
      // Triton refuses these: an ensemble has no way to tell its steps that a tensor is absent.
      if (input.getOptional()) {
        throw invalid(where + "input '" + input.getName() + "' is marked optional: ensemble input '" + input.getName()
            + "' is optional, optional ensemble input is not currently supported");
      }
    }
    Map<String, String> producedBy = new LinkedHashMap<>();
    for (ModelInput input : config.getInputList()) producedBy.put(input.getName(), "ensemble input '" + input.getName() + "'");
    for (int i = 0; i < specs.size(); i++) {
      ModelEnsembling.Step spec = specs.get(i);
      if (spec.getModelName().isEmpty()) {
        throw invalid(where + "step " + i + " names no model_name");
      }
      String step = "step " + i + " (model '" + spec.getModelName() + "')";
      if (spec.getModelName().equals(ensemble)) {
        throw invalid(where + step + " uses the ensemble itself: ensemble " + ensemble + " depends on " + ensemble
            + " which contains invalid model config");
      }
      for (Map.Entry<String, String> out : spec.getOutputMapMap().entrySet()) {
        String previous = producedBy.putIfAbsent(out.getValue(), step + " output '" + out.getKey() + "'");
        if (previous != null) {
          throw invalid(where + "tensor '" + out.getValue() + "' is produced twice: by " + previous + " and by " + step
              + " output '" + out.getKey() + "': ensemble tensor " + out.getValue()
              + " can appear in an output map only once for ensemble " + ensemble);
        }
      }
    }
    Set<String> read = new LinkedHashSet<>();
    for (int i = 0; i < specs.size(); i++) {
      ModelEnsembling.Step spec = specs.get(i);
      for (Map.Entry<String, String> in : spec.getInputMapMap().entrySet()) {
        if (!producedBy.containsKey(in.getValue())) {
          String fed = firstOutputFedBy(i, specs, config);
          // Triton names the ensemble output left unwritten when there is one, else the tensor.
          String triton = fed == null
              ? " ensemble tensor " + in.getValue() + " is redundant as no data will be written to it for ensemble "
                  + ensemble
              : " output '" + fed + "' for ensemble '" + ensemble + "' is not written: at least one of its depending"
                  + " tensors, '" + in.getValue() + "', is not connected";
          throw invalid(where + "step " + i + " (model '" + spec.getModelName() + "') reads tensor '" + in.getValue()
              + "' (for its input '" + in.getKey() + "'), which is neither an ensemble input nor the output of any step:"
              + triton);
        }
        read.add(in.getValue());
      }
    }
    for (ModelOutput output : config.getOutputList()) {
      String producer = producedBy.get(output.getName());
      if (producer == null || producer.startsWith("ensemble input")) {
        throw invalid(where + "ensemble output '" + output.getName() + "' is not produced by any step: must map"
            + " ensemble output " + output.getName() + " for ensemble " + ensemble);
      }
    }
    Set<String> outputs = new HashSet<>();
    config.getOutputList().forEach(output -> outputs.add(output.getName()));
    for (Map.Entry<String, String> produced : producedBy.entrySet()) {
      String tensor = produced.getKey();
      if (!produced.getValue().startsWith("ensemble input") && !read.contains(tensor) && !outputs.contains(tensor)) {
        throw invalid(where + "tensor '" + tensor + "' from " + produced.getValue() + " is neither read by a step nor"
            + " an ensemble output: ensemble tensor " + tensor + " is redundant as it will not be used in any models"
            + " for ensemble " + ensemble);
      }
    }
    // A cycle before unread inputs: in a cycle the inputs often go unread, and the cycle is the cause.
    Map<String, Producer> producers = new LinkedHashMap<>();
    config.getInputList().forEach(input -> producers.put(input.getName(),
        new Producer("ensemble input", ensemble, DataType.TYPE_INVALID, List.of(), List.of(), -1)));
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      ModelEnsembling.Step spec = specs.get(i);
      for (String tensor : spec.getOutputMapMap().values()) {
        producers.put(tensor, new Producer("step " + i, spec.getModelName(), DataType.TYPE_INVALID, List.of(), List.of(), i));
      }
      steps.add(new Step(i, spec.getModelName(), spec.getModelVersion() > 0 ? spec.getModelVersion() : -1,
          spec.getInputMapMap(), spec.getOutputMapMap(), false, 0));
    }
    topologicalOrder(where, ensemble, config, steps, producers);
    for (ModelInput input : config.getInputList()) {
      if (!read.contains(input.getName())) {
        throw invalid(where + "ensemble input '" + input.getName() + "' is not read by any step: must map ensemble"
            + " input " + input.getName() + " for ensemble " + ensemble + " (to a step's input_map)");
      }
    }
  }

  /**
   * Validates an ensemble config against its composing models, after {@link #checkStructure}.
   *
   * @throws NereidException.InvalidArgument naming the step at fault, or with the composing model's
   *     own error when it is not ready
   */
  public static EnsembleGraph build(String ensemble, ModelConfig config, ComposingConfigs composing) {
    checkStructure(ensemble, config);
    String where = "in ensemble '" + ensemble + "', ";
    List<ModelEnsembling.Step> specs = config.getEnsembleScheduling().getStepList();
    if (specs.isEmpty()) {
      throw invalid("ensemble '" + ensemble + "' has no steps: add ensemble_scheduling { step [ ... ] }");
    }
    boolean batching = config.getMaxBatchSize() > 0;
    Map<String, Producer> producers = new LinkedHashMap<>();
    for (ModelInput input : config.getInputList()) {
      List<Long> dims = input.hasReshape() ? input.getReshape().getShapeList() : input.getDimsList();
      producers.put(input.getName(), new Producer("ensemble input '" + input.getName() + "'", ensemble,
          input.getDataType(),
          Shapes.withBatchDimension(batching, dims), dims, -1));
    }
    // First pass: each step's model, mappings, and the tensors it produces.
    List<Step> steps = new ArrayList<>();
    List<ModelConfig> configs = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      ModelEnsembling.Step spec = specs.get(i);
      long version = spec.getModelVersion() > 0 ? spec.getModelVersion() : -1;
      Step named = new Step(i, spec.getModelName(), version, spec.getInputMapMap(), spec.getOutputMapMap(), false, 0);
      if (spec.getModelName().isEmpty()) {
        throw invalid(where + "step " + i + " names no model_name");
      }
      if (spec.getModelName().equals(ensemble)) {
        throw invalid(where + named.describe() + " uses the ensemble itself: ensemble " + ensemble + " depends on "
            + ensemble + " which contains invalid model config");
      }
      ModelConfig model;
      try {
        model = composing.config(spec.getModelName(), version);
      } catch (NereidException e) {
        String triton = version > 0 ? ": ensemble '" + ensemble + "' depends on '" + spec.getModelName()
            + "' whose required version " + version + " is not loaded" : "";
        throw invalid(where + named.describe() + ": the composing model is not available: " + e.getMessage() + triton);
      }
      String m = "'" + spec.getModelName() + "'";
      if (model.getMaxBatchSize() != 0 && model.getMaxBatchSize() < config.getMaxBatchSize()) {
        throw invalid(where + named.describe() + ": the ensemble allows max_batch_size " + config.getMaxBatchSize()
            + ", but model " + m + " only " + model.getMaxBatchSize() + ": ensemble " + ensemble
            + " allows maximum batch size " + config.getMaxBatchSize() + ", but it contains model "
            + spec.getModelName() + " which only allows  maximum batch size to be " + model.getMaxBatchSize());
      }
      Set<String> modelInputs = model.getInputList().stream().map(ModelInput::getName).collect(Collectors.toSet());
      for (String key : spec.getInputMapMap().keySet()) {
        if (!modelInputs.contains(key)) {
          throw invalid(where + named.describe() + ": input_map names '" + key + "', which is not an input of model "
              + m + "; its inputs are " + names(model.getInputList().stream().map(ModelInput::getName).toList())
              + ": in ensemble " + ensemble + ", ensemble tensor " + spec.getInputMapMap().get(key)
              + " is mapping to non-existing input " + key + " in model " + spec.getModelName());
        }
      }
      for (ModelInput input : model.getInputList()) {
        if (!spec.getInputMapMap().containsKey(input.getName()) && !input.getOptional()) {
          throw invalid(where + named.describe() + ": input '" + input.getName() + "' of model " + m
              + " is not mapped to any ensemble tensor: in ensemble " + ensemble + ", input " + input.getName()
              + " in model " + spec.getModelName() + " is not mapped to any ensemble tensors");
        }
      }
      Map<String, ModelOutput> modelOutputs = new LinkedHashMap<>();
      model.getOutputList().forEach(o -> modelOutputs.put(o.getName(), o));
      Set<String> produced = new LinkedHashSet<>();
      for (Map.Entry<String, String> out : spec.getOutputMapMap().entrySet()) {
        ModelOutput output = modelOutputs.get(out.getKey());
        if (output == null) {
          throw invalid(where + named.describe() + ": output_map names '" + out.getKey() + "', which is not an output "
              + "of model " + m + "; its outputs are " + names(List.copyOf(modelOutputs.keySet())) + ": in ensemble "
              + ensemble + ", ensemble tensor " + out.getValue() + " is mapped from non-existing output " + out.getKey()
              + " in model " + spec.getModelName());
        }
        String tensor = out.getValue();
        if (!produced.add(tensor)) {
          throw invalid(where + named.describe() + " maps two outputs to the same ensemble tensor '" + tensor + "'");
        }
        Producer previous = producers.get(tensor);
        if (previous != null) {
          throw invalid(where + "tensor '" + tensor + "' is produced twice: by " + previous.what() + " and by "
              + named.describe() + " output '" + out.getKey() + "'");
        }
        boolean stepBatching = model.getMaxBatchSize() > 0;
        producers.put(tensor, new Producer(named.describe() + " output '" + out.getKey() + "'",
            spec.getModelName(), output.getDataType(),
            Shapes.withBatchDimension(stepBatching, output.getDimsList()), output.getDimsList(), i));
      }
      steps.add(new Step(i, spec.getModelName(), version, Map.copyOf(spec.getInputMapMap()),
          Map.copyOf(spec.getOutputMapMap()), model.getModelTransactionPolicy().getDecoupled(), 0));
      configs.add(model);
    }
    // Second pass: every tensor read has a producer of the same type and shape.
    Map<String, List<Step>> readers = new LinkedHashMap<>();
    for (Step step : steps) {
      ModelConfig model = configs.get(step.index());
      boolean stepBatching = model.getMaxBatchSize() > 0;
      for (ModelInput input : model.getInputList()) {
        String tensor = step.inputMap().get(input.getName());
        if (tensor == null) continue;
        Producer producer = producers.get(tensor);
        if (producer == null) {
          throw invalid(where + step.describe() + " reads tensor '" + tensor + "' (for its input '" + input.getName()
              + "'), which is neither an ensemble input nor the output of any step");
        }
        // Triton meets the tensors step by step, ensemble inputs first.
        FirstSeen first = producer.step() < step.index() ? FirstSeen.PRODUCER : FirstSeen.READER;
        checkConsistent(where + step.describe() + " input '" + input.getName() + "' reads tensor '" + tensor + "'",
            "in ensemble " + ensemble + ", ensemble tensor " + tensor + ": ", step.model(), first,
            input.getDataType(), Shapes.withBatchDimension(stepBatching, input.getDimsList()), input.getDimsList(), producer);
        readers.computeIfAbsent(tensor, t -> new ArrayList<>()).add(step);
      }
    }
    for (ModelOutput output : config.getOutputList()) {
      Producer producer = producers.get(output.getName());
      if (producer == null || producer.step() < 0) {
        throw invalid(where + "ensemble output '" + output.getName() + "' is not produced by any step: must map"
            + " ensemble output " + output.getName() + " for ensemble " + ensemble);
      }
      List<Long> dims = output.hasReshape() ? output.getReshape().getShapeList() : output.getDimsList();
      // Triton meets the ensemble's outputs before any step's.
      checkConsistent(where + "ensemble output '" + output.getName() + "'",
          "in ensemble " + ensemble + ", ensemble tensor " + output.getName() + ": ", ensemble, FirstSeen.READER,
          output.getDataType(), Shapes.withBatchDimension(batching, dims), dims, producer);
    }
    List<Step> ordered = topologicalOrder(where, ensemble, config, steps, producers);
    List<Step> labelled = label(where, ensemble, ordered, producers, steps.size());
    int outputLabel = outputLabel(where, ensemble, config, producers, labelled);
    Map<String, List<Step>> labelledReaders = new LinkedHashMap<>();
    readers.forEach((tensor, list) -> labelledReaders.put(tensor,
        list.stream().map(s -> labelled.get(s.index())).toList()));
    Set<String> inputs = new LinkedHashSet<>();
    config.getInputList().forEach(i -> inputs.add(i.getName()));
    return new EnsembleGraph(labelled, inputs, config.getOutputList().stream().map(ModelOutput::getName).toList(),
        labelledReaders, outputLabel);
  }

  /** Orders the steps so that each comes after the producers of its inputs; a cycle is an error naming its steps. */
  private static List<Step> topologicalOrder(String where, String ensemble, ModelConfig config, List<Step> steps,
      Map<String, Producer> producers) {
    int n = steps.size();
    List<List<Integer>> next = new ArrayList<>();
    int[] waiting = new int[n];
    for (int i = 0; i < n; i++) next.add(new ArrayList<>());
    for (Step step : steps) {
      for (String tensor : new LinkedHashSet<>(step.inputMap().values())) {
        int from = producers.get(tensor).step();
        if (from >= 0) {
          next.get(from).add(step.index());
          waiting[step.index()]++;
        }
      }
    }
    Deque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < n; i++) if (waiting[i] == 0) ready.add(i);
    List<Step> ordered = new ArrayList<>();
    while (!ready.isEmpty()) {
      int i = ready.poll();
      ordered.add(steps.get(i));
      for (int j : next.get(i)) if (--waiting[j] == 0) ready.add(j);
    }
    if (ordered.size() < n) {
      // Every step left unordered waits on the cycle; Triton names the first ensemble output one of them writes.
      String unwritten = config.getOutputList().stream().map(ModelOutput::getName)
          .filter(o -> producers.containsKey(o) && producers.get(o).step() >= 0 && waiting[producers.get(o).step()] > 0)
          .findFirst().map(o -> ": output '" + o + "' for ensemble '" + ensemble + "' is not written").orElse("");
      throw invalid(where + "steps form a cycle: " + cycle(steps, producers, waiting) + unwritten);
    }
    return ordered;
  }

  /** The first ensemble output that step {@code from} contributes to, through the tensors steps write; null if none. */
  private static String firstOutputFedBy(int from, List<ModelEnsembling.Step> specs, ModelConfig config) {
    Set<String> reached = new HashSet<>(specs.get(from).getOutputMapMap().values());
    Set<Integer> visited = new HashSet<>(Set.of(from));
    boolean grew = true;
    while (grew) {
      grew = false;
      for (int j = 0; j < specs.size(); j++) {
        if (!visited.contains(j) && specs.get(j).getInputMapMap().values().stream().anyMatch(reached::contains)) {
          visited.add(j);
          reached.addAll(specs.get(j).getOutputMapMap().values());
          grew = true;
        }
      }
    }
    return config.getOutputList().stream().map(ModelOutput::getName).filter(reached::contains).findFirst().orElse(null);
  }

  /** A cycle among the steps left waiting, as "step a (model ...) -> step b (...) -> step a (...)". */
  private static String cycle(List<Step> steps, Map<String, Producer> producers, int[] waiting) {
    int start = 0;
    while (waiting[start] == 0) start++;
    // Walk backwards along waiting producers until a step repeats: that stretch is a cycle.
    List<Integer> path = new ArrayList<>();
    int current = start;
    while (!path.contains(current)) {
      path.add(current);
      for (String tensor : steps.get(current).inputMap().values()) {
        int from = producers.get(tensor).step();
        if (from >= 0 && waiting[from] > 0) {
          current = from;
          break;
        }
      }
    }
    List<Integer> loop = new ArrayList<>(path.subList(path.indexOf(current), path.size()));
    java.util.Collections.reverse(loop);
    loop.add(loop.get(0));
    return loop.stream().map(i -> steps.get(i).describe()).collect(Collectors.joining(" -> "));
  }

  /**
   * Gives each step the decoupled scope it runs in. As in Triton, a step's inputs must all come from
   * the same scope: the request, or the responses of one decoupled step.
   */
  private static List<Step> label(String where, String ensemble, List<Step> ordered, Map<String, Producer> producers,
      int n) {
    Step[] byIndex = new Step[n];
    for (Step step : ordered) {
      int label = -1;
      for (String tensor : step.inputMap().values()) {
        int from = producers.get(tensor).step();
        int tensorLabel = from < 0 ? 0 : byIndex[from].outputLabel();
        if (label >= 0 && tensorLabel != label) {
          throw invalid(where + step.describe() + " reads tensors that come from different decoupled steps; "
              + "every input of a step must come from the responses of the same decoupled step (or from none): "
              + differentDecoupled(ensemble, step.model()));
        }
        label = tensorLabel;
      }
      byIndex[step.index()] = new Step(step.index(), step.model(), step.version(), step.inputMap(), step.outputMap(),
          step.decoupled(), Math.max(label, 0));
    }
    return List.of(byIndex);
  }

  /** Triton's words; for the ensemble's outputs it names the ensemble as the step that reads them. */
  private static String differentDecoupled(String ensemble, String model) {
    return "in ensemble " + ensemble + ", step of model '" + model + "' receives inputs originated from different"
        + " decoupled models";
  }

  private static int outputLabel(String where, String ensemble, ModelConfig config, Map<String, Producer> producers,
      List<Step> steps) {
    int label = -1;
    for (ModelOutput output : config.getOutputList()) {
      int l = steps.get(producers.get(output.getName()).step()).outputLabel();
      if (label >= 0 && l != label) {
        throw invalid(where + "the ensemble outputs come from different decoupled steps; they must all come from the "
            + "responses of the same decoupled step (or from none): " + differentDecoupled(ensemble, ensemble));
      }
      label = l;
    }
    return Math.max(label, 0);
  }

  /**
   * Checks that a tensor is read as it is written. The message names both sides as Nereid does, then
   * as Triton does ({@code triton} is its prefix, {@code first} the side Triton names first).
   */
  private static void checkConsistent(String what, String triton, String reader, FirstSeen first, DataType type,
      List<Long> fullDims, List<Long> dims, Producer producer) {
    boolean producerFirst = first == FirstSeen.PRODUCER;
    if (type != producer.type()) {
      throw invalid(what + " as " + type.name() + ", but " + producer.what() + " produces it as " + producer.type().name()
          + ": " + triton + "inconsistent data type: "
          + inferred(producerFirst ? producer.type().name() : type.name(), producerFirst ? producer.model() : reader,
              producerFirst ? type.name() : producer.type().name(), producerFirst ? reader : producer.model()));
    }
    // As in Triton: equal up to -1 wildcards, with or without the batch dimension (a batching and a
    // non-batching model may share a tensor).
    if (!matches(dims, producer.dims()) && !matches(fullDims, producer.fullDims())) {
      String readShape = Shapes.format(fullDims);
      String writtenShape = Shapes.format(producer.fullDims());
      throw invalid(what + " with shape " + readShape + ", but " + producer.what() + " produces it with shape "
          + writtenShape + ": " + triton + "inconsistent shape: "
          + inferred(producerFirst ? writtenShape : readShape, producerFirst ? producer.model() : reader,
              producerFirst ? readShape : writtenShape, producerFirst ? reader : producer.model()));
    }
  }

  private static String inferred(String firstValue, String firstModel, String secondValue, String secondModel) {
    return firstValue + " is inferred from model " + firstModel + " while " + secondValue + " is inferred from model "
        + secondModel;
  }

  private static boolean matches(List<Long> a, List<Long> b) {
    if (a.size() != b.size()) return false;
    for (int i = 0; i < a.size(); i++) {
      long x = a.get(i);
      long y = b.get(i);
      if (x != y && x != -1 && y != -1) return false;
    }
    return true;
  }

  private static String names(List<String> names) {
    return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ", "[", "]"));
  }

  private static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }

  // --- accessors

  /** The steps, by index. */
  public List<Step> steps() {
    return steps;
  }

  /** Whether a step may send several responses, which makes the ensemble decoupled. */
  public boolean decoupled() {
    return decoupled;
  }

  /** The ensemble's input names. */
  Set<String> inputs() {
    return inputs;
  }

  /** The ensemble's output names, in config order. */
  List<String> outputs() {
    return outputs;
  }

  /** The steps that read a tensor. */
  List<Step> readers(String tensor) {
    return readers.getOrDefault(tensor, List.of());
  }

  /** The scope label of the ensemble's outputs. */
  int outputLabel() {
    return outputLabel;
  }
}
