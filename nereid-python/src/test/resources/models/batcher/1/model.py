import time

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """Y = X * 10; REQUESTS = how many requests the execute call that served it got. Slow on purpose,
    so concurrent callers queue up and the dynamic batcher hands several requests to one execute."""

    def execute(self, requests):
        time.sleep(0.05)
        n = len(requests)
        return [pb_utils.InferenceResponse([
            pb_utils.Tensor("Y", pb_utils.get_input_tensor_by_name(r, "X").as_numpy() * 10),
            pb_utils.Tensor("REQUESTS", np.full((r.inputs()[0].as_numpy().shape[0], 1), n, dtype=np.int32))])
            for r in requests]
