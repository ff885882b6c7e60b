package dev.nereid.internal.config;

import dev.nereid.NereidException;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelSequenceBatching;
import dev.nereid.proto.ModelSequenceBatching.Control;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Triton's rules for {@code sequence_batching} control tensors: each named; each kind given by at
 * most one tensor, each tensor used for one kind; start, end and ready given as exactly one two-entry
 * false/true pair; the correlation id as an integer or string type and no pair. Messages keep Triton's
 * wording after the model's name.
 */
final class SequenceControlRules {
  private static final Set<DataType> CORRELATION_ID_TYPES =
      Set.of(DataType.TYPE_UINT64, DataType.TYPE_INT64, DataType.TYPE_UINT32, DataType.TYPE_INT32, DataType.TYPE_STRING);

  private SequenceControlRules() {}

  static void check(String model, ModelSequenceBatching batching) {
    String prefix = "model '" + model + "': ";
    Map<Control.Kind, String> byKind = new EnumMap<>(Control.Kind.class);
    Map<String, Control.Kind> byTensor = new HashMap<>();
    for (ModelSequenceBatching.ControlInput input : batching.getControlInputList()) {
      if (input.getName().isEmpty()) {
        throw invalid(prefix + "sequence batching control tensor must have a name");
      }
      for (Control control : input.getControlList()) {
        Control.Kind kind = control.getKind();
        if (kind == Control.Kind.UNRECOGNIZED) {
          throw invalid(prefix + "sequence batching control tensor '" + input.getName() + "' has an unknown kind");
        }
        if (byKind.put(kind, input.getName()) != null) {
          throw invalid(prefix + "sequence batching specifies multiple " + kind.name() + " tensors for " + model);
        }
        Control.Kind previous = byTensor.put(input.getName(), kind);
        if (previous != null && previous != kind) {
          throw invalid(prefix + "sequence batching control tensor '" + input.getName()
              + "' is specified for multiple control kinds");
        }
        checkEncoding(prefix, input.getName(), control);
      }
    }
  }

  private static void checkEncoding(String prefix, String tensor, Control control) {
    int pairs = (control.getInt32FalseTrueCount() > 0 ? 1 : 0) + (control.getFp32FalseTrueCount() > 0 ? 1 : 0)
        + (control.getBoolFalseTrueCount() > 0 ? 1 : 0);
    String kind = control.getKind().name();
    if (control.getKind() == Control.Kind.CONTROL_SEQUENCE_CORRID) {
      if (pairs > 0) {
        throw invalid(prefix + "sequence batching must not specify 'int32_false_true', 'fp32_false_true' or"
            + " 'bool_false_true' for " + kind + " (tensor '" + tensor + "')");
      }
      if (!CORRELATION_ID_TYPES.contains(control.getDataType())) {
        throw invalid(prefix + "sequence batching control tensor '" + tensor + "' for " + kind + " must specify"
            + " data_type TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 or TYPE_STRING, got "
            + control.getDataType().name());
      }
      return;
    }
    if (pairs == 0) {
      throw invalid(prefix + "sequence batching must specify either 'int32_false_true' or 'fp32_false_true' for "
          + kind + " (tensor '" + tensor + "')");
    }
    if (pairs > 1) {
      throw invalid(prefix + "sequence batching must specify only one of 'int32_false_true', 'fp32_false_true' and"
          + " 'bool_false_true' for " + kind + " (tensor '" + tensor + "')");
    }
    int entries = Math.max(control.getInt32FalseTrueCount(),
        Math.max(control.getFp32FalseTrueCount(), control.getBoolFalseTrueCount()));
    if (entries != 2) {
      throw invalid(prefix + "sequence batching control '" + kind + "' (tensor '" + tensor + "') must have exactly"
          + " 2 entries in its false/true pair, got " + entries);
    }
  }

  private static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }
}
