import json

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1, as in Triton's add_sub example."""

    def initialize(self, args):
        self.model_config = json.loads(args["model_config"])
        self.args = args
        self.output0_dtype = pb_utils.triton_string_to_numpy(
            pb_utils.get_output_config_by_name(self.model_config, "OUTPUT0")["data_type"])
        self.output1_dtype = pb_utils.triton_string_to_numpy(
            pb_utils.get_output_config_by_name(self.model_config, "OUTPUT1")["data_type"])
        self.finalize_marker = self.model_config.get("parameters", {}).get("FINALIZE_MARKER", {}).get("string_value")

    def execute(self, requests):
        responses = []
        for request in requests:
            in_0 = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            in_1 = pb_utils.get_input_tensor_by_name(request, "INPUT1").as_numpy()
            out_0 = pb_utils.Tensor("OUTPUT0", (in_0 + in_1).astype(self.output0_dtype))
            out_1 = pb_utils.Tensor("OUTPUT1", (in_0 - in_1).astype(self.output1_dtype))
            params = {"args": json.dumps({k: v for k, v in self.args.items() if k != "model_config"}),
                      "dims": json.dumps(self.model_config["input"][0]["dims"]),
                      "request_params": request.parameters(),
                      "request_id": request.request_id()}
            responses.append(pb_utils.InferenceResponse(output_tensors=[out_0, out_1], parameters=params))
        return responses

    def finalize(self):
        if self.finalize_marker:
            with open(self.finalize_marker, "w") as f:
                f.write("finalized")
