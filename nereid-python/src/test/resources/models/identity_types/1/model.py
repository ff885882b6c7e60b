import triton_python_backend_utils as pb_utils

BF16 = 14  # TRITONSERVER_TYPE_BF16


class TritonPythonModel:
    """Every input IN_<TYPE> back as OUT_<TYPE>, whatever its data type; a large tensor passes through
    shared memory without a copy in Python. BF16 has no numpy type, so (as with Triton) it goes
    through DLPack instead of as_numpy()."""

    def execute(self, requests):
        responses = []
        for request in requests:
            outputs = []
            for t in request.inputs():
                name = "OUT_" + t.name()[3:]
                if t.triton_dtype() == BF16:
                    outputs.append(pb_utils.Tensor.from_dlpack(name, t.to_dlpack()))
                else:
                    outputs.append(pb_utils.Tensor(name, t.as_numpy()))
            responses.append(pb_utils.InferenceResponse(outputs))
        return responses
