package dev.nereid.cli;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelControlMode;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelInput;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nereid infer}: runs one request in-process and prints each response as a line of KServe v2
 * JSON. Responses that report progress ({@code progress} and {@code progress_total} parameters) draw
 * a progress bar on stderr; with {@code --output-image}, an image output is written as a PNG instead
 * of printed.
 */
@Command(
    name = "infer",
    description = "Run a model once and print each response as one line of KServe v2 JSON.")
final class InferCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin RepositoryOptions repository;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Parameters(index = "0", paramLabel = "MODEL", description = "The model's name.")
  String modelName;

  @Option(names = "--version", paramLabel = "N", description = "The model version (default: the latest ready one).")
  long version = -1;

  @Option(names = {"-i", "--input"}, paramLabel = "NAME=JSON", required = true,
      description = "An input as a JSON (nested) list or scalar, typed by the model's config (repeatable).")
  List<String> inputs = new ArrayList<>();

  @Option(names = {"-p", "--parameter"}, paramLabel = "KEY=VALUE",
      description = "A request parameter: integer, number, true/false, or else a string (repeatable).")
  List<String> parameters = new ArrayList<>();

  @Option(names = {"-o", "--output"}, paramLabel = "NAME", description = "An output to return (default: all).")
  List<String> outputs = new ArrayList<>();

  @Option(names = "--request-id", paramLabel = "ID", description = "The request id, echoed in each response.")
  String requestId = "";

  @Option(names = "--output-image", paramLabel = "FILE.png",
      description = "Write the image output (UINT8 [height, width, 3]) to this PNG file instead of printing its data.")
  Path outputImage;

  @Override
  public Integer call() {
    request(null); // argument errors before the server starts
    // EXPLICIT mode loads only this model: other models in the repository neither slow the command
    // down nor add their load errors to its output.
    ServerOptions options = ServerOptions.builder()
        .modelRepositories(repository.repositories())
        .modelControlMode(ModelControlMode.EXPLICIT)
        .build();
    PrintWriter out = spec.commandLine().getOut();
    try (Server server = new Server(options).start()) {
      if (server.models().keySet().stream().anyMatch(key -> key.name().equals(modelName))) {
        server.load(modelName);
      }
      // An unknown model is left to infer, which reports it in Triton's words.
      Model model = server.model(modelName, version);
      boolean imageWritten = false;
      try (ResponseIterator responses = model.infer(request(model.ready() ? model : null));
          ProgressBar progress = new ProgressBar(spec.commandLine().getErr(), modelName)) {
        for (InferenceResponse response : responses) {
          boolean reported = progress.show(response);
          if (response.outputs().isEmpty() && (response.isFinal() || reported)) {
            continue; // a decoupled model's closing flag, or a progress report
          }
          if (outputImage != null) {
            InferenceResponse rest = withoutImage(response);
            imageWritten |= rest != response;
            response = rest;
          }
          out.println(ResponseJson.encode(response));
          out.flush();
        }
      }
      if (outputImage != null && !imageWritten) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--output-image " + outputImage + ": model '" + modelName + "' returned no UINT8 [height, width, 3] output");
      }
    }
    return 0;
  }

  /** Writes the response's image output to {@link #outputImage}; the response without it, or the same response when it has none. */
  private InferenceResponse withoutImage(InferenceResponse response) {
    List<String> images = response.outputs().entrySet().stream()
        .filter(e -> PngOutput.isImage(e.getValue())).map(Map.Entry::getKey).toList();
    if (images.isEmpty()) return response;
    if (images.size() > 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--output-image " + outputImage + ": model '"
          + modelName + "' returned several images " + images + "; choose one with --output NAME");
    }
    try {
      PngOutput.write(response.outputs().get(images.get(0)), outputImage);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--output-image " + outputImage + ": cannot write the image: " + e.getMessage(), e);
    }
    Map<String, Tensor> rest = new LinkedHashMap<>(response.outputs());
    rest.remove(images.get(0));
    return new InferenceResponse(response.model(), response.modelVersion(), response.requestId(),
        response.parameters(), rest, response.error(), response.isFinal());
  }

  /** The request; with a ready {@code model}, inputs given without its batch dimension become a batch of one. */
  private InferenceRequest request(Model model) {
    InferenceRequest.Builder b = InferenceRequest.builder().requestId(requestId);
    try {
      InputParser.inputs(inputs).forEach((name, value) -> b.input(name, model == null ? value : batchOfOne(model, name, value)));
      for (Map.Entry<String, Object> p : InputParser.parameters(parameters).entrySet()) {
        switch (p.getValue()) {
          case Long l -> b.parameter(p.getKey(), l);
          case Double d -> b.parameter(p.getKey(), d);
          case Boolean bool -> b.parameter(p.getKey(), bool);
          default -> b.parameter(p.getKey(), p.getValue().toString());
        }
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    outputs.forEach(b::output);
    return b.build();
  }

  /**
   * {@code text=["hello world"]} for a batching model whose input has dims [1]: the value's nesting is
   * the input's rank without the batch dimension, so it is wrapped as a batch of one ([1, 1]).
   */
  private static Object batchOfOne(Model model, String name, Object value) {
    if (!model.supportsBatching()) return value;
    for (ModelInput input : model.config().getInputList()) {
      if (input.getName().equals(name) && depth(value) == input.getDimsCount()) return List.of(value);
    }
    return value;
  }

  private static int depth(Object value) {
    int depth = 0;
    for (Object v = value; v instanceof List<?> list && !list.isEmpty(); v = list.get(0)) depth++;
    return depth;
  }
}
