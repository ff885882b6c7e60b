package dev.nereid.cli;

import dev.nereid.InferenceRequest;
import dev.nereid.Model;
import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.perf.GrpcTarget;
import dev.nereid.perf.HttpTarget;
import dev.nereid.perf.InProcessTarget;
import dev.nereid.perf.PerfInputs;
import dev.nereid.perf.PerfReport;
import dev.nereid.perf.PerfResult;
import dev.nereid.perf.PerfRunner;
import dev.nereid.perf.PerfTarget;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nereid perf}: Triton's perf_analyzer for Nereid, driving a model in-process. */
@Command(
    name = "perf",
    description = "Measure a model's throughput and latency at several load levels, as perf_analyzer does.")
final class PerfCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin RepositoryOptions repository;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Parameters(index = "0", paramLabel = "MODEL", description = "The model's name.")
  String modelName;

  @Option(names = {"-m", "--model-version"}, paramLabel = "N", description = "The model version (default: latest).")
  long version = -1;

  @Option(names = "--concurrency-range", paramLabel = "START:END:STEP",
      description = "Requests kept in flight, from START to END by STEP (default 1:1:1).")
  String concurrencyRange = "1:1:1";

  @Option(names = "--request-rate", paramLabel = "R",
      description = "Send R requests per second instead of a fixed concurrency (repeatable).")
  List<Double> requestRates = new ArrayList<>();

  @Option(names = "--input", paramLabel = "NAME=JSON|random",
      description = "An input's data; inputs not given get random data shaped by the config (repeatable).")
  List<String> inputs = new ArrayList<>();

  @Option(names = "--shape", paramLabel = "NAME:D1,D2,...",
      description = "The shape (without batch dimension) of a random input with variable dimensions (repeatable).")
  List<String> shapes = new ArrayList<>();

  @Option(names = {"-b", "--batch-size"}, paramLabel = "B", description = "Batch size of each request (default 1).")
  int batchSize = 1;

  @Option(names = {"-p", "--measurement-interval"}, paramLabel = "MS",
      description = "Length of each measurement window in milliseconds (default 5000).")
  long measurementMillis = 5000;

  @Option(names = "--warmup-interval", paramLabel = "MS",
      description = "How long to send unmeasured requests before the first level (default 2000; 0 for none).")
  long warmupMillis = 2000;

  @Option(names = "--percentile", paramLabel = "P", description = "The latency percentile to summarize (default 99).")
  double percentile = 99;

  @Option(names = {"-u", "--url"}, paramLabel = "HOST:PORT",
      description = "Drive a running server (nereid serve, Triton) instead of an in-process one.")
  String url;

  @Option(names = {"-i", "--protocol"}, paramLabel = "http|grpc", description = "The protocol with --url (default http).")
  String protocol = "http";

  @Option(names = {"-f", "--latency-report-file"}, paramLabel = "FILE", description = "Also write the results as CSV.")
  Path csvFile;

  @Override
  public Integer call() throws Exception {
    range(concurrencyRange);
    Map<String, Object> given = new LinkedHashMap<>();
    List<String> jsonInputs = new ArrayList<>();
    for (String input : inputs) {
      if (input.endsWith("=random")) continue;
      jsonInputs.add(input);
    }
    given.putAll(InputParser.inputs(jsonInputs));
    Map<String, long[]> inputShapes = shapes(spec.commandLine(), shapes);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (url != null) {
      try (PerfTarget target = remoteTarget(given, inputShapes)) {
        run(target, out, err);
      }
      return 0;
    }
    ServerOptions options = ServerOptions.builder()
        .modelRepositories(repository.repositories())
        .modelControlMode(ModelControlMode.EXPLICIT)
        .startupModel(modelName)
        .build();
    try (Server server = new Server(options).start()) {
      Model model = server.model(modelName, version);
      InferenceRequest request = PerfInputs.request(model.config(), given, inputShapes, batchSize, 42);
      try (PerfTarget target = new InProcessTarget(model, request, model.supportsBatching() ? batchSize : 1)) {
        run(target, out, err);
      }
    }
    return 0;
  }

  private PerfTarget remoteTarget(Map<String, Object> given, Map<String, long[]> inputShapes) {
    switch (protocol) {
      case "grpc" -> {
        GrpcTarget target = new GrpcTarget(url, modelName, version);
        var config = target.config();
        return target.request(PerfInputs.request(config, given, inputShapes, batchSize, 42),
            config.getMaxBatchSize() > 0 ? batchSize : 1);
      }
      case "http" -> {
        HttpTarget target = new HttpTarget(url, modelName, version);
        var config = target.config();
        return target.request(PerfInputs.request(config, given, inputShapes, batchSize, 42),
            config.getMaxBatchSize() > 0 ? batchSize : 1);
      }
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "--protocol must be http or grpc, got '" + protocol + "'");
    }
  }

  /** Measures every level on the target, printing as it goes. */
  private void run(PerfTarget target, PrintWriter out, PrintWriter err) throws Exception {
    // Fails here, once, with the model's own message if the request is wrong.
    target.infer();
    List<PerfResult> results = new ArrayList<>();
    int[] range = range(concurrencyRange);
    PerfRunner runner = new PerfRunner(target, measurementMillis, percentile, p -> {
      err.printf(Locale.ROOT, "\r[%s] %.1fs/%.1fs, %d requests   ", p.level(), p.elapsedMillis() / 1000.0,
          p.windowMillis() / 1000.0, p.requests());
      err.flush();
    });
    out.printf(Locale.ROOT, "*** Measurement settings ***%n  Model: %s%n  Target: %s%n  Batch size: %d%n"
        + "  Measurement window: %d msec%n%n", modelName, url == null ? "in-process" : protocol + "://" + url, batchSize,
        measurementMillis);
    if (warmupMillis > 0) {
      long warmup = runner.warmUp(requestRates.isEmpty() ? range[0] : 1, warmupMillis);
      err.print("\r" + " ".repeat(60) + "\r");
      out.printf(Locale.ROOT, "Warm-up: %d requests in %d msec (not measured)%n%n", warmup, warmupMillis);
    }
    if (requestRates.isEmpty()) {
      for (int c = range[0]; c <= range[1]; c += range[2]) {
        report(results, runner.atConcurrency(c), out, err);
      }
    } else {
      for (double rate : requestRates) {
        report(results, runner.atRate(rate), out, err);
      }
    }
    PerfReport.printSummary(out, results, percentile);
    if (csvFile != null) {
      Files.writeString(csvFile, PerfReport.csv(results, percentile), StandardCharsets.UTF_8);
    }
  }

  private void report(List<PerfResult> results, PerfResult result, PrintWriter out, PrintWriter err) {
    err.print("\r" + " ".repeat(60) + "\r");
    err.flush();
    results.add(result);
    PerfReport.printLevel(out, result, percentile);
  }

  private int[] range(String text) {
    String[] parts = text.split(":");
    try {
      int start = Integer.parseInt(parts[0]);
      int end = parts.length > 1 ? Integer.parseInt(parts[1]) : start;
      int step = parts.length > 2 ? Integer.parseInt(parts[2]) : 1;
      if (parts.length > 3 || start < 1 || end < start || step < 1) throw new NumberFormatException();
      return new int[] {start, end, step};
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--concurrency-range must be START[:END[:STEP]] with 1 <= START <= END and STEP >= 1, got '" + text + "'");
    }
  }

  /** Reads {@code --shape NAME:D1,D2,...} arguments; {@code nereid analyze} takes the same. */
  static Map<String, long[]> shapes(CommandLine commandLine, List<String> arguments) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (String a : arguments) {
      int colon = a.lastIndexOf(':');
      try {
        if (colon <= 0) throw new NumberFormatException();
        long[] dims = java.util.Arrays.stream(a.substring(colon + 1).split(",")).mapToLong(Long::parseLong).toArray();
        out.put(a.substring(0, colon), dims);
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(commandLine, "--shape must be NAME:D1,D2,..., got '" + a + "'");
      }
    }
    return out;
  }
}
