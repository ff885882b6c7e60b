package dev.nereid.onnxruntime;

import ai.onnxruntime.OrtException;
import dev.nereid.NereidException;

/** Maps ORT's errors onto Nereid's error kinds, naming the model. */
final class OrtErrors {
  private OrtErrors() {}

  /** An error from a run: the request's fault when ORT says the argument was invalid, else Internal. */
  static NereidException atRun(String model, long version, OrtException e) {
    String where = "model '" + model + "' version " + version;
    if (e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT) {
      return new NereidException.InvalidArgument(where + ": ONNX Runtime rejected the request: " + e.getMessage(), e);
    }
    return new NereidException.Internal(where + ": ONNX Runtime failed: " + e.getMessage(), e);
  }

  /** An error creating a session: the file is unreadable, corrupt, or needs what ORT lacks. */
  static NereidException atLoad(String model, Object file, OrtException e) {
    return new NereidException.InvalidArgument(
        "model '" + model + "': ONNX Runtime cannot load '" + file + "': " + e.getMessage(), e);
  }
}
