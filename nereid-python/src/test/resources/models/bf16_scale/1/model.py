import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """What a Triton model sees of a BF16 input: as_numpy() refuses it (AS_NUMPY holds the message),
    and DLPack carries it on; SAME is the input passed on through the tensor's __dlpack__."""

    def execute(self, requests):
        responses = []
        for request in requests:
            tensor = pb_utils.get_input_tensor_by_name(request, "IN")
            try:
                tensor.as_numpy()
                refusal = "accepted"
            except pb_utils.TritonModelException as e:
                refusal = e.message()
            same = pb_utils.Tensor.from_dlpack("SAME", tensor)
            responses.append(pb_utils.InferenceResponse([
                same, pb_utils.Tensor("AS_NUMPY", np.array([refusal.encode()], dtype=np.object_))]))
        return responses
