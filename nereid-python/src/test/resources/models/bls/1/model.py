import asyncio

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """Business logic scripting. MODE picks the call:
    sync      - Y = onnx_identity(X) * 2, through InferenceRequest.exec()
    decoupled - sums the responses of the decoupled 'repeat' model over X (as INT32), exec(decoupled=True)
    async     - two onnx_identity calls at once with async_exec, Y = first + second
    missing   - calls a model that does not exist; the error comes back on the response
    """

    async def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "X").as_numpy()
            mode = pb_utils.get_input_tensor_by_name(request, "MODE").as_numpy()[0].decode()
            responses.append(await getattr(self, "async_" if mode == "async" else mode)(x))
        return responses

    def _identity_request(self, x, model="onnx_identity"):
        return pb_utils.InferenceRequest(model_name=model, inputs=[pb_utils.Tensor("X", x)],
                                         requested_output_names=["Y"])

    def _answer(self, y, count):
        return pb_utils.InferenceResponse([pb_utils.Tensor("Y", y.astype(np.float32)),
                                           pb_utils.Tensor("COUNT", np.array([count], dtype=np.int32))])

    async def sync(self, x):
        response = self._identity_request(x).exec()
        if response.has_error():
            raise pb_utils.TritonModelException(response.error().message())
        return self._answer(pb_utils.get_output_tensor_by_name(response, "Y").as_numpy() * 2, 1)

    async def decoupled(self, x):
        request = pb_utils.InferenceRequest(model_name="repeat",
                                            inputs=[pb_utils.Tensor("IN", x.astype(np.int32))],
                                            requested_output_names=["OUT"])
        total = 0
        count = 0
        for response in request.exec(decoupled=True):
            if response.has_error():
                raise pb_utils.TritonModelException(response.error().message())
            out = pb_utils.get_output_tensor_by_name(response, "OUT")
            if out is not None:
                total += int(out.as_numpy()[0])
                count += 1
        return self._answer(np.array([total], dtype=np.float32), count)

    async def async_(self, x):
        first, second = await asyncio.gather(self._identity_request(x).async_exec(),
                                             self._identity_request(x).async_exec())
        y = pb_utils.get_output_tensor_by_name(first, "Y").as_numpy() + \
            pb_utils.get_output_tensor_by_name(second, "Y").as_numpy()
        return self._answer(y, 2)

    async def missing(self, x):
        response = self._identity_request(x, "no_such_model").exec()
        if not response.has_error():
            raise pb_utils.TritonModelException("expected an error")
        return pb_utils.InferenceResponse(error=pb_utils.TritonError("BLS said: " + response.error().message()))
