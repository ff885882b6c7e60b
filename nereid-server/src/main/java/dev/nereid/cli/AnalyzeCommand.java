package dev.nereid.cli;

import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.analyze.Analysis;
import dev.nereid.analyze.AnalysisReport;
import dev.nereid.analyze.Deployment;
import dev.nereid.analyze.Measurement;
import dev.nereid.analyze.Sweep;
import dev.nereid.analyze.SweepPoint;
import dev.nereid.analyze.ThroughputLatencyChart;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.perf.PerfInputs;
import dev.nereid.proto.ModelConfig;
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
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nereid analyze}: Triton's Model Analyzer, built in. Sweeps instance count, intra-op threads,
 * max batch size, queue delay and preferred batch size with the perf load generator, picks the
 * configuration with the most throughput within a p99 budget, and writes its {@code config.pbtxt}.
 */
@Command(
    name = "analyze",
    description = {
      "Sweep a model's configurations under load and write the best one's config.pbtxt, as Triton's Model Analyzer does.",
      "Each list option takes comma-separated values; every combination is loaded and measured at each concurrency."
    })
final class AnalyzeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin RepositoryOptions repository;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Parameters(index = "0", paramLabel = "MODEL", description = "The model to tune.")
  String modelName;

  @Option(names = "--instances", paramLabel = "N,...", split = ",", description = "Instance counts (default 1,2).")
  List<Integer> instances = List.of(1, 2);

  @Option(names = "--intra-op-threads", paramLabel = "N,...", split = ",",
      description = "The backend's intra-op thread counts (default: the config's own setting).")
  List<Integer> threads = List.of(0);

  @Option(names = "--max-batch-size", paramLabel = "N,...", split = ",",
      description = "Max batch sizes, for a model that batches (default: the config's).")
  List<Integer> maxBatchSizes = List.of();

  @Option(names = "--queue-delay-us", paramLabel = "US|off,...", split = ",",
      description = "Dynamic batching queue delays in microseconds, 'off' for no dynamic batching (default off,0,1000).")
  List<String> queueDelays = List.of("off", "0", "1000");

  @Option(names = "--preferred-batch-size", paramLabel = "N,...", split = ",",
      description = "One preferred batch size per point, 0 for none (default 0).")
  List<Integer> preferred = List.of(0);

  @Option(names = "--concurrency", paramLabel = "N,...", split = ",",
      description = "Requests kept in flight, one measurement each (default 1,2,4,8).")
  List<Integer> concurrencies = List.of(1, 2, 4, 8);

  @Option(names = "--p99-ms", paramLabel = "MS", description = "The p99 latency budget in milliseconds (default: none).")
  Double p99Budget;

  @Option(names = {"-p", "--measurement-interval"}, paramLabel = "MS",
      description = "Measurement window per load level in milliseconds (default 2000).")
  long measurementMillis = 2000;

  @Option(names = {"-b", "--batch-size"}, paramLabel = "B", description = "Batch size of each request (default 1).")
  int batchSize = 1;

  @Option(names = "--input", paramLabel = "NAME=JSON",
      description = "An input's data; inputs not given get random data shaped by the config (repeatable).")
  List<String> inputs = new ArrayList<>();

  @Option(names = "--shape", paramLabel = "NAME:D1,D2,...",
      description = "The shape (without batch dimension) of a random input with variable dimensions (repeatable).")
  List<String> shapes = new ArrayList<>();

  @Option(names = {"-u", "--url"}, paramLabel = "HOST:PORT",
      description = "Tune a model of a running server (EXPLICIT control mode, HTTP) instead of an in-process one.")
  String url;

  @Option(names = {"-o", "--output-dir"}, paramLabel = "DIR",
      description = "Where config.pbtxt, results.csv and the chart go (default: analysis/MODEL).")
  Path outputDir;

  @Option(names = "--chart", paramLabel = "FILE.svg|FILE.png",
      description = "The throughput/latency chart (default: chart.svg in the output folder).")
  Path chartFile;

  @Override
  public Integer call() throws Exception {
    Sweep sweep = new Sweep(instances, threads, maxBatchSizes.isEmpty() ? List.of(-1) : maxBatchSizes,
        delays(queueDelays), preferred);
    Analysis.Load load = new Analysis.Load(concurrencies, measurementMillis, batchSize);
    Map<String, Object> given = new LinkedHashMap<>(InputParser.inputs(inputs));
    Map<String, long[]> inputShapes = PerfCommand.shapes(spec.commandLine(), shapes);
    Function<ModelConfig, dev.nereid.InferenceRequest> requestFor =
        config -> PerfInputs.request(config, given, inputShapes, batchSize, 42);
    if (url != null) {
      return analyze(new Deployment.Remote(url, modelName), sweep, load, requestFor);
    }
    ServerOptions options = ServerOptions.builder()
        .modelRepositories(repository.repositories())
        .modelControlMode(ModelControlMode.EXPLICIT)
        .startupModel(modelName)
        .build();
    try (Server server = new Server(options).start()) {
      return analyze(new Deployment.InProcess(server, modelName), sweep, load, requestFor);
    }
  }

  private int analyze(Deployment deployment, Sweep sweep, Analysis.Load load,
      Function<ModelConfig, dev.nereid.InferenceRequest> requestFor) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ModelConfig base = deployment.baseConfig();
    Sweep resolved = withConfigBatchSize(sweep, base);
    int total = resolved.points(base).size() * load.concurrencies().size();
    List<String> failures = new ArrayList<>();
    List<Measurement> measurements;
    try (ProgressBar bar = new ProgressBar(err, "analyze " + modelName)) {
      int[] done = {0};
      measurements = new Analysis(deployment, modelName).run(resolved, load, requestFor, new Analysis.Listener() {
        @Override
        public void pointStarted(int index, int points, SweepPoint point) {
          bar.draw(done[0], total, point.label());
        }

        @Override
        public void measured(Measurement m) {
          done[0]++;
          bar.draw(done[0], total, String.format(Locale.ROOT, "%s @%d: %.1f infer/s, p99 %.2f ms", m.point().label(),
              m.result().concurrency(), m.throughput(), m.p99Millis()));
        }

        @Override
        public void pointFailed(SweepPoint point, String reason) {
          done[0] += load.concurrencies().size();
          failures.add(point.label() + ": " + reason);
          bar.draw(done[0], total, point.label() + " failed");
        }
      });
    }
    AnalysisReport report = new AnalysisReport(measurements,
        p99Budget == null ? Double.POSITIVE_INFINITY : p99Budget);
    out.printf(Locale.ROOT, "*** Model analysis ***%n  Model: %s%n  Target: %s%n  Batch size: %d%n"
            + "  Measurement window: %d msec%n  p99 budget: %s%n%n", modelName, url == null ? "in-process" : "http://" + url,
        batchSize, measurementMillis, p99Budget == null ? "none" : p99Budget + " ms");
    report.printTable(out);
    for (String failure : failures) out.println("  failed: " + failure);
    Path dir = outputDir != null ? outputDir : Path.of("analysis", modelName);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.csv"), report.csv(), StandardCharsets.UTF_8);
    Path chart = chartFile != null ? chartFile : dir.resolve("chart.svg");
    new ThroughputLatencyChart(report, modelName + " (" + (url == null ? "in-process" : url) + ")").write(chart);
    out.println();
    var best = report.best();
    if (best.isEmpty()) {
      err.println(report.fastest()
          .map(m -> String.format(Locale.ROOT, "nereid: no configuration of '%s' kept p99 within %s ms; the lowest p99 "
              + "was %.2f ms (%s at concurrency %d)", modelName, p99Budget, m.p99Millis(), m.point().label(),
              m.result().concurrency()))
          .orElse("nereid: no configuration of '" + modelName + "' answered without errors; see the failures above"));
      out.println("Results: " + dir.resolve("results.csv") + ", chart: " + chart);
      return 1;
    }
    Measurement winner = best.get();
    Path config = dir.resolve("config.pbtxt");
    Files.writeString(config, "# Written by nereid analyze: " + winner.point().label() + " at concurrency "
        + winner.result().concurrency() + String.format(Locale.ROOT, ", %.1f infer/s, p99 %.2f ms%n", winner.throughput(),
        winner.p99Millis()) + ModelConfigs.toText(winner.point().applyTo(base)), StandardCharsets.UTF_8);
    out.printf(Locale.ROOT, "Best: %s at concurrency %d: %.1f infer/sec, p50 %.2f ms, p99 %.2f ms%n",
        winner.point().label(), winner.result().concurrency(), winner.throughput(), winner.result().p50Micros() / 1000.0,
        winner.p99Millis());
    out.println("Wrote " + config + ", " + dir.resolve("results.csv") + ", " + chart);
    return 0;
  }

  /** Fills the max batch size left to the config ({@code -1}) with the config's own. */
  private static Sweep withConfigBatchSize(Sweep sweep, ModelConfig base) {
    List<Integer> sizes = sweep.maxBatchSizes().stream().map(s -> s < 0 ? base.getMaxBatchSize() : s).distinct().toList();
    return new Sweep(sweep.instances(), sweep.intraOpThreads(), sizes, sweep.queueDelaysMicros(), sweep.preferredBatchSizes());
  }

  private List<Long> delays(List<String> values) {
    List<Long> out = new ArrayList<>();
    for (String v : values) {
      if (v.equalsIgnoreCase("off")) {
        out.add(-1L);
        continue;
      }
      try {
        long us = Long.parseLong(v.trim());
        if (us < 0) throw new NumberFormatException();
        out.add(us);
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--queue-delay-us takes microseconds >= 0 or 'off', got '" + v + "'");
      }
    }
    return out;
  }
}
