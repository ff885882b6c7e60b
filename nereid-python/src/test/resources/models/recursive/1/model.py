import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """One instance that calls itself: CALLS(DEPTH) = 1 + CALLS(DEPTH - 1), CALLS(0) = 1."""

    def execute(self, requests):
        responses = []
        for r in requests:
            depth = int(pb_utils.get_input_tensor_by_name(r, "DEPTH").as_numpy()[0])
            calls = 1
            if depth > 0:
                inner = pb_utils.InferenceRequest(
                    model_name="recursive", requested_output_names=["CALLS"],
                    inputs=[pb_utils.Tensor("DEPTH", np.array([depth - 1], dtype=np.int32))]).exec()
                if inner.has_error():
                    raise pb_utils.TritonModelException(inner.error().message())
                calls += int(pb_utils.get_output_tensor_by_name(inner, "CALLS").as_numpy()[0])
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("CALLS", np.array([calls], dtype=np.int32))]))
        return responses
