package dev.nereid.bench;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.tracing.Tracing;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What tracing costs the in-process identity round trip (FP32 [1,16]), in one run:
 * <ul>
 *   <li>{@code none}: the request as an application sends it, no tracing involved;
 *   <li>{@code off}: as a front end sends it with tracing off: {@link Tracing#start} is asked and
 *       declines (the request carries no timeline);
 *   <li>{@code every}: every request traced in {@code opentelemetry} mode, its spans built by the SDK and
 *       handed to an exporter that drops them (the cost of tracing itself, not of a network).
 * </ul>
 * {@code none} and {@code off} should not differ beyond noise: that is the "tracing off costs nothing" check.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@BenchmarkMode(Mode.AverageTime)
public class TracingOverheadBenchmark {
  @Param({"none", "off", "every"})
  String tracing;

  private Server server;
  private Model model;
  private BenchRepository repository;
  private Tracing traces;
  private InferenceRequest request;

  /** Takes the spans and drops them. */
  private static final class DroppingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @Setup(Level.Trial)
  public void start() throws IOException {
    repository = new BenchRepository();
    Path dir = Files.createDirectories(repository.root().resolve("identity_fp32").resolve("1"));
    Files.writeString(dir.getParent().resolve("config.pbtxt"), """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
        """);
    server = new Server(ServerOptions.of(repository.root())).start();
    model = server.model("identity_fp32");
    traces = Tracing.of(server);
    if (tracing.equals("every")) {
      traces.configure(List.of("mode=opentelemetry", "level=TIMESTAMPS", "rate=1"));
      traces.exportTo(new DroppingExporter());
    }
    ByteBuffer data = ByteBuffer.allocateDirect(16 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 16; i++) data.putFloat(i * 4, i);
    request = InferenceRequest.builder().input("INPUT0", Tensor.of(DataType.FP32, new long[] {1, 16}, data)).build();
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    traces.close();
    server.stop();
    repository.close();
  }

  @Benchmark
  public Tensor roundTrip() {
    InferenceRequest r = request;
    if (!tracing.equals("none")) {
      // The front end's path: a traced request carries its trace as its timeline.
      var timeline = traces.inProcess("identity_fp32", Context.root());
      if (timeline != dev.nereid.RequestTimeline.NONE) r = r.toBuilder().timeline(timeline).build();
    }
    try (ResponseIterator responses = model.infer(r)) {
      InferenceResponse response = responses.next();
      return response.output("OUTPUT0");
    }
  }
}
