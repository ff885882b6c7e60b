import threading
import time

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """Decoupled: one response per element of IN, sent from a thread after execute returned, then
    the final flag alone (as Triton's repeat example)."""

    def initialize(self, args):
        self.threads = []

    def execute(self, requests):
        for request in requests:
            values = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy().copy()
            delay = pb_utils.get_input_tensor_by_name(request, "DELAY_MS")
            delay = 0 if delay is None else int(delay.as_numpy()[0])
            sender = request.get_response_sender()
            t = threading.Thread(target=self.respond, args=(sender, values, delay))
            t.start()
            self.threads.append(t)
        return None

    def respond(self, sender, values, delay):
        for i, v in enumerate(values):
            if delay:
                time.sleep(delay / 1000.0)
            sender.send(pb_utils.InferenceResponse([
                pb_utils.Tensor("OUT", np.array([v], dtype=np.int32)),
                pb_utils.Tensor("IDX", np.array([i], dtype=np.uint32))]))
        sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)

    def finalize(self):
        for t in self.threads:
            t.join()
