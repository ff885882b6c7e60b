package dev.nereid.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nereid.Model;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One ONNX file two ways: served by Nereid from a benchmark repository, and opened as a raw ORT session
 * with the options the config gives Nereid (intra-op threads; ORT's defaults of sequential execution and
 * every graph optimization, set explicitly). Closes everything, ORT tensors made for the raw side included.
 */
final class NereidAndRaw implements AutoCloseable {
  final OrtEnvironment env = OrtEnvironment.getEnvironment();
  final Model model;
  final OrtSession raw;
  private final BenchRepository repository;
  private final Server server;
  private final OrtSession.SessionOptions rawOptions;
  private final List<OnnxTensor> rawTensors = new ArrayList<>();

  /** Starts a server on {@code repository} and opens {@code file} for model {@code name}. */
  NereidAndRaw(BenchRepository repository, String name, Path file, int intraOpThreads) throws OrtException {
    this.repository = repository;
    this.server = new Server(ServerOptions.of(repository.root())).start();
    this.model = server.model(name);
    this.rawOptions = new OrtSession.SessionOptions();
    rawOptions.setIntraOpNumThreads(intraOpThreads);
    rawOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    rawOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    this.raw = env.createSession(file.toString(), rawOptions);
  }

  /** Keeps a raw-side tensor made at setup, to close it with the rest. */
  OnnxTensor keep(OnnxTensor tensor) {
    rawTensors.add(tensor);
    return tensor;
  }

  @Override
  public void close() throws Exception {
    server.close();
    for (OnnxTensor t : rawTensors) t.close();
    raw.close();
    rawOptions.close();
    repository.close();
  }
}
