package dev.nereid;

import dev.nereid.testing.javamodels.AddModel;
import dev.nereid.testing.javamodels.CountdownModel;
import dev.nereid.testing.javamodels.GatedCountdownModel;
import dev.nereid.testing.javamodels.RendezvousModel;
import dev.nereid.testing.javamodels.ScaleModel;
import dev.nereid.testing.javamodels.ThrowingModel;

/** Ensemble configs for tests, and the composing models they use. */
final class Ensembles {
  private Ensembles() {}

  static final String FP32_IO = """
      input [ { name: "IN" data_type: TYPE_FP32 dims: [ -1 ] } ]
      output [ { name: "OUT" data_type: TYPE_FP32 dims: [ -1 ] } ]
      """;

  static final String INT_IO = """
      input [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]
      output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
      """;

  /**
   * An ensemble config: its inputs and outputs, then steps. A step is "model: a=b, c=d -> e=f": the
   * model's inputs a, c read ensemble tensors b, d; its output e becomes ensemble tensor f.
   */
  static String ensemble(String io, String... steps) {
    StringBuilder b = new StringBuilder("platform: \"ensemble\"\nmax_batch_size: 0\n").append(io)
        .append("ensemble_scheduling {\n  step [\n");
    for (int i = 0; i < steps.length; i++) {
      String[] modelAndMaps = steps[i].split(":", 2);
      String[] maps = modelAndMaps[1].split("->");
      b.append("    { model_name: \"").append(modelAndMaps[0].trim()).append("\" model_version: -1\n");
      appendMap(b, "input_map", maps[0]);
      appendMap(b, "output_map", maps.length > 1 ? maps[1] : "");
      b.append("    }").append(i + 1 < steps.length ? ",\n" : "\n");
    }
    return b.append("  ]\n}\n").toString();
  }

  private static void appendMap(StringBuilder b, String field, String pairs) {
    for (String pair : pairs.split(",")) {
      if (pair.isBlank()) continue;
      String[] kv = pair.split("=");
      b.append("      ").append(field).append(" { key: \"").append(kv[0].trim()).append("\" value: \"")
          .append(kv[1].trim()).append("\" }\n");
    }
  }

  /** The composing models the ensemble tests use. */
  static TestRepository composingModels(TestRepository repo) {
    String fp32 = JavaModelTest.SCALE_TENSORS;
    return repo
        .model("identity", TestRepository.IDENTITY, 1)
        .model("identity_int", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 1 ] } ]
            """, 1)
        .model("identity_int2", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 1 ] }, { name: "INPUT1" data_type: TYPE_INT32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 1 ] }, { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 1 ] } ]
            """, 1)
        .model("identity_fixed3", """
            backend: "identity"
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 3 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 3 ] } ]
            """, 1)
        .model("square", """
            backend: "square"
            model_transaction_policy { decoupled: true }
            input [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]
            output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
            """, 1)
        .model("double", JavaModels.config(ScaleModel.class, fp32), 1)
        .model("triple", JavaModels.config(ScaleModel.class, fp32 + "parameters { key: \"factor\" value { string_value: \"3\" } }"), 1)
        .model("throwing", JavaModels.config(ThrowingModel.class, fp32), 1)
        .model("add", JavaModels.config(AddModel.class, """
            input [ { name: "A" data_type: TYPE_FP32 dims: [ -1 ] }, { name: "B" data_type: TYPE_FP32 dims: [ -1 ] } ]
            output [ { name: "SUM" data_type: TYPE_FP32 dims: [ -1 ] } ]
            """), 1)
        .model("branch_a", JavaModels.config(RendezvousModel.class, fp32 + """
            parameters { key: "rendezvous" value { string_value: "diamond" } }
            parameters { key: "factor" value { string_value: "10" } }
            """), 1)
        .model("branch_b", JavaModels.config(RendezvousModel.class, fp32 + """
            parameters { key: "rendezvous" value { string_value: "diamond" } }
            parameters { key: "factor" value { string_value: "100" } }
            """), 1)
        .model("countdown", JavaModels.config(CountdownModel.class, """
            model_transaction_policy { decoupled: true }
            input [ { name: "N" data_type: TYPE_INT32 dims: [ 1 ] } ]
            output [ { name: "I" data_type: TYPE_INT32 dims: [ 1 ] } ]
            """), 1)
        .model("gated_countdown", JavaModels.config(GatedCountdownModel.class, """
            model_transaction_policy { decoupled: true }
            input [ { name: "N" data_type: TYPE_INT32 dims: [ 1 ] } ]
            output [ { name: "I" data_type: TYPE_INT32 dims: [ 1 ] } ]
            """), 1);
  }
}
