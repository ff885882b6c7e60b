package dev.nereid.spi;

import dev.nereid.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelSequenceBatching;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors a config's {@code sequence_batching} adds to a model's signature without listing them
 * as inputs or outputs: control inputs (START, END, READY, CORRID) and implicit state, whose input the
 * server feeds and whose output it takes back. A backend adds them to the model's signature when it
 * checks the config against the model file, and feeds them like any input.
 */
public final class SequenceTensors {
  /** A name and the data type the config gives it. */
  public record Tensor(String name, DataType type) {}

  private SequenceTensors() {}

  /** The control and state inputs, in config order; none when the config has no sequence batching. */
  public static List<Tensor> inputs(ModelConfig config) {
    List<Tensor> out = new ArrayList<>();
    if (!config.hasSequenceBatching()) return out;
    ModelSequenceBatching seq = config.getSequenceBatching();
    for (ModelSequenceBatching.ControlInput input : seq.getControlInputList()) {
      for (ModelSequenceBatching.Control c : input.getControlList()) {
        DataType type;
        if (c.getKind() == ModelSequenceBatching.Control.Kind.CONTROL_SEQUENCE_CORRID) {
          type = DataType.fromConfigNumber(c.getDataTypeValue());
        } else if (c.getFp32FalseTrueCount() > 0) {
          type = DataType.FP32;
        } else if (c.getBoolFalseTrueCount() > 0) {
          type = DataType.BOOL;
        } else {
          type = DataType.INT32;
        }
        out.add(new Tensor(input.getName(), type));
      }
    }
    for (ModelSequenceBatching.State state : seq.getStateList()) {
      out.add(new Tensor(state.getInputName(), DataType.fromConfigNumber(state.getDataTypeValue())));
    }
    return out;
  }

  /** The state outputs, in config order; none when the config has no sequence batching. */
  public static List<Tensor> outputs(ModelConfig config) {
    List<Tensor> out = new ArrayList<>();
    if (!config.hasSequenceBatching()) return out;
    for (ModelSequenceBatching.State state : config.getSequenceBatching().getStateList()) {
      out.add(new Tensor(state.getOutputName(), DataType.fromConfigNumber(state.getDataTypeValue())));
    }
    return out;
  }
}
