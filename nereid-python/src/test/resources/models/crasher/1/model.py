import ctypes
import os
import signal
import time

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """X == 1: os._exit(3); X == 2: a segfault; X == 3: SIGKILL to itself; X == 4: hangs for 10 minutes;
    else Y = X, PID = the stub's process id."""

    def execute(self, requests):
        responses = []
        for r in requests:
            x = int(pb_utils.get_input_tensor_by_name(r, "X").as_numpy()[0])
            if x == 1:
                os._exit(3)
            if x == 2:
                ctypes.string_at(0)
            if x == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            if x == 4:
                time.sleep(600)
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("Y", np.array([x], dtype=np.int32)),
                pb_utils.Tensor("PID", np.array([os.getpid()], dtype=np.int64))]))
        return responses
