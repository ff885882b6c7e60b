import asyncio

import numpy as np
import triton_python_backend_utils as pb_utils

WAIT, RELEASE, FAIL, CALL_SELF = 0, 1, 2, 3


def _text(s):
    return pb_utils.InferenceResponse([pb_utils.Tensor("TEXT", np.array([s.encode()], dtype=np.object_))])


class TritonPythonModel:
    """A decoupled model with `async def execute`. MODE 0 answers "waiting", then waits until a later
    request with MODE 1 opens the gate: that only happens when executes run concurrently, as Triton
    runs a decoupled model's coroutines. MODE 2 sends one response and then raises. MODE 3 calls this
    model (MODE 1) with await async_exec(decoupled=True) and answers with what came back."""

    def initialize(self, args):
        self.gate = None

    async def execute(self, requests):
        if self.gate is None:
            self.gate = asyncio.Event()
        for request in requests:
            mode = int(pb_utils.get_input_tensor_by_name(request, "MODE").as_numpy()[0])
            sender = request.get_response_sender()
            if mode == WAIT:
                sender.send(_text("waiting"))
                try:
                    await asyncio.wait_for(self.gate.wait(), timeout=60)
                    sender.send(_text("released"), flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
                except asyncio.TimeoutError:
                    sender.send(_text("never released: executes ran one at a time"),
                                flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
            elif mode == RELEASE:
                self.gate.set()
                sender.send(_text("opened"), flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
            elif mode == CALL_SELF:
                call = pb_utils.InferenceRequest(
                    model_name="async_gate", requested_output_names=["TEXT"],
                    inputs=[pb_utils.Tensor("MODE", np.array([RELEASE], dtype=np.int32))])
                texts = []
                for response in await call.async_exec(decoupled=True):
                    if response.has_error():
                        texts.append("error: " + response.error().message())
                    elif response.output_tensors():
                        texts.append(pb_utils.get_output_tensor_by_name(response, "TEXT").as_numpy()[0].decode())
                sender.send(_text("called itself: " + ", ".join(texts)),
                            flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
            else:
                sender.send(_text("about to fail"))
                await asyncio.sleep(0)
                raise ValueError("asked to fail")
        return None
