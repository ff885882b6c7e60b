import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """No config.pbtxt: the model describes itself. DOUBLED = 2 * VALUE, batched."""

    @staticmethod
    def auto_complete_config(auto_complete_model_config):
        auto_complete_model_config.add_input({"name": "VALUE", "data_type": "TYPE_FP32", "dims": [3]})
        auto_complete_model_config.add_output({"name": "DOUBLED", "data_type": "TYPE_FP32", "dims": [3]})
        auto_complete_model_config.set_max_batch_size(4)
        auto_complete_model_config.set_dynamic_batching()
        return auto_complete_model_config

    def execute(self, requests):
        return [pb_utils.InferenceResponse([pb_utils.Tensor(
            "DOUBLED", pb_utils.get_input_tensor_by_name(r, "VALUE").as_numpy() * 2)]) for r in requests]
