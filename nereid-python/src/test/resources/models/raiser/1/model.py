import time

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """X < 0: execute raises; X == 0: the response carries a TritonError; X == 7: execute returns no
    responses at all; X == 8: it waits until the caller cancels; else Y = X."""

    def execute(self, requests):
        responses = []
        first = pb_utils.get_input_tensor_by_name(requests[0], "X").as_numpy()[0]
        if first == 7:
            return []
        if first == 8:
            while not requests[0].is_cancelled():
                time.sleep(0.01)
            return [pb_utils.InferenceResponse(error=pb_utils.TritonError("saw the cancellation", pb_utils.TritonError.CANCELLED))]
        for r in requests:
            x = pb_utils.get_input_tensor_by_name(r, "X").as_numpy()
            if x[0] < 0:
                raise ValueError("negative input %s" % x[0])
            if x[0] == 0:
                responses.append(pb_utils.InferenceResponse(
                    error=pb_utils.TritonError("zero is not allowed", pb_utils.TritonError.INVALID_ARG)))
            else:
                responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("Y", x)]))
        return responses
