import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """A running total per sequence: keyed by correlation_id(), reset by the START flag."""

    def initialize(self, args):
        self.totals = {}

    def execute(self, requests):
        responses = []
        for r in requests:
            key = r.correlation_id()
            if r.flags() & pb_utils.TRITONSERVER_REQUEST_FLAG_SEQUENCE_START:
                self.totals[key] = 0
            self.totals[key] = self.totals.get(key, 0) + int(pb_utils.get_input_tensor_by_name(r, "X").as_numpy()[0][0])
            total = self.totals[key]
            if r.flags() & pb_utils.TRITONSERVER_REQUEST_FLAG_SEQUENCE_END:
                del self.totals[key]
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("TOTAL", np.array([[total]], dtype=np.int32))]))
        return responses
