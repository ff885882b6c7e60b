import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """Triton's request-rescheduling pattern: X == 0 asks to be rescheduled (and appends None as the
    docs say); any other X is answered at once."""

    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "X").as_numpy()
            if x[0] == 0:
                request.set_release_flags(pb_utils.TRITONSERVER_REQUEST_RELEASE_RESCHEDULE)
                responses.append(None)
            else:
                responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("Y", x)]))
        return responses
