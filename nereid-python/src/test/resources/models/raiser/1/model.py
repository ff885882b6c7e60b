import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """X < 0: execute raises; X == 0: the response carries a TritonError; else Y = X."""

    def execute(self, requests):
        responses = []
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
