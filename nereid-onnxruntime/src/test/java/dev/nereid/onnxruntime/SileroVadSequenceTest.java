package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequence batching on a real stateful model nobody here wrote: Silero VAD v5. The server keeps each
 * sequence's recurrent state (implicit state), so clients send only audio chunks; the speech
 * probabilities must equal raw ONNX Runtime runs with the state threaded by hand, with several
 * sequences interleaved.
 */
class SileroVadSequenceTest {
  private static final int CHUNK = 512;
  private static final long SAMPLE_RATE = 16000;
  private static final String CONFIG = """
      backend: "onnxruntime"
      max_batch_size: 0
      input [
        { name: "input" data_type: TYPE_FP32 dims: [ 1, -1 ] },
        { name: "sr" data_type: TYPE_INT64 dims: [ ] }
      ]
      output [ { name: "output" data_type: TYPE_FP32 dims: [ 1, 1 ] } ]
      parameters { key: "intra_op_thread_count" value { string_value: "1" } }
      instance_group [ { kind: KIND_CPU count: 1 } ]
      sequence_batching {
        max_sequence_idle_microseconds: 60000000
        oldest { max_candidate_sequences: 8 }
        state [ {
          input_name: "state" output_name: "stateN" data_type: TYPE_FP32 dims: [ 2, 1, 128 ]
          initial_state { data_type: TYPE_FP32 dims: [ 2, 1, 128 ] zero_data: true name: "zeros" }
        } ]
      }
      """;

  @TempDir Path dir;

  /** Deterministic audio: a tone that comes and goes, with noise, different per sequence. */
  private static float[][] audio(int seed, int chunks) {
    SplittableRandom random = new SplittableRandom(seed);
    float[][] out = new float[chunks][CHUNK];
    for (int c = 0; c < chunks; c++) {
      boolean voiced = (c / 3 + seed) % 2 == 0;
      for (int i = 0; i < CHUNK; i++) {
        double t = (c * CHUNK + i) / (double) SAMPLE_RATE;
        double tone = voiced ? 0.5 * Math.sin(2 * Math.PI * (180 + 40 * seed) * t) * Math.sin(2 * Math.PI * 3 * t) : 0;
        out[c][i] = (float) (tone + 0.02 * (random.nextDouble() - 0.5));
      }
    }
    return out;
  }

  /** What a caller of raw ONNX Runtime computes, threading the state by hand. */
  private static float[] raw(OrtEnvironment env, OrtSession session, float[][] chunks) throws Exception {
    float[] probabilities = new float[chunks.length];
    float[] state = new float[2 * 128];
    for (int c = 0; c < chunks.length; c++) {
      try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(chunks[c]), new long[] {1, CHUNK});
          OnnxTensor stateIn = OnnxTensor.createTensor(env, FloatBuffer.wrap(state), new long[] {2, 1, 128});
          OnnxTensor sr = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {SAMPLE_RATE}), new long[0]);
          OrtSession.Result result = session.run(Map.of("input", input, "state", stateIn, "sr", sr))) {
        probabilities[c] = ((OnnxTensor) result.get("output").orElseThrow()).getFloatBuffer().get(0);
        FloatBuffer next = ((OnnxTensor) result.get("stateN").orElseThrow()).getFloatBuffer();
        state = new float[next.remaining()];
        next.get(state);
      }
    }
    return probabilities;
  }

  @Test
  void interleavedSequencesMatchRawOnnxRuntimeWithTheStateThreadedByHand() throws Exception {
    int sequences = 3;
    int chunks = 12;
    List<float[][]> audio = new ArrayList<>();
    for (int s = 0; s < sequences; s++) audio.add(audio(s, chunks));

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<float[]> expected = new ArrayList<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      try (OrtSession session = env.createSession(TestRepository.resource("silero_vad/silero_vad_v5.onnx").toString(),
          options)) {
        for (float[][] a : audio) expected.add(raw(env, session, a));
      }
    }

    new TestRepository(dir).add("silero_vad", "silero_vad/silero_vad_v5.onnx", CONFIG);
    float[][] served = new float[sequences][chunks];
    try (Server server = new Server(ServerOptions.of(dir)).start()) {
      assertThat(server.model("silero_vad").ready()).as(server.model("silero_vad").reason()).isTrue();
      // Chunk c of every sequence is in flight at once; the sequences' chunks interleave in the queue.
      for (int c = 0; c < chunks; c++) {
        List<CompletableFuture<InferenceResponse>> step = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
          InferenceRequest request = InferenceRequest.builder()
              .correlationId(100 + s).sequenceStart(c == 0).sequenceEnd(c == chunks - 1)
              .input("input", Tensor.of(audio.get(s)[c], 1, CHUNK))
              .input("sr", Tensor.fromArray(SAMPLE_RATE, dev.nereid.DataType.INT64))
              .build();
          step.add(server.model("silero_vad").inferAsync(request));
        }
        for (int s = 0; s < sequences; s++) {
          InferenceResponse r = step.get(s).get(30, TimeUnit.SECONDS);
          assertThat(r.outputs()).containsOnlyKeys("output");
          served[s][c] = r.output("output").toFloatArray()[0];
        }
      }
    }
    for (int s = 0; s < sequences; s++) {
      assertThat(served[s]).as("sequence %d", s).containsExactly(expected.get(s));
    }
    // The probabilities move with the audio: the test would not pass with a stateless or constant model.
    assertThat(expected.get(0)).matches(p -> max(p) - min(p) > 0.05, "varies");
  }

  private static float max(float[] v) {
    float m = Float.NEGATIVE_INFINITY;
    for (float x : v) m = Math.max(m, x);
    return m;
  }

  private static float min(float[] v) {
    float m = Float.POSITIVE_INFINITY;
    for (float x : v) m = Math.min(m, x);
    return m;
  }
}
