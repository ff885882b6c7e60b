import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """CALLS: how many requests execute has seen, this one included; a response the server's cache
    answers never reaches execute."""

    def initialize(self, args):
        self.calls = 0

    def execute(self, requests):
        responses = []
        for _ in requests:
            self.calls += 1
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("CALLS", np.array([self.calls], np.int32))]))
        return responses
