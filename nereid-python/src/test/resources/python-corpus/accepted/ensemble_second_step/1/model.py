import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """A step of the conflicting_scheduler_ensemble case: batched and dynamically batched, which the
    ensemble's own ensemble_scheduling does not conflict with. OUTPUT0 = INPUT0."""

    @staticmethod
    def auto_complete_config(config):
        config.set_max_batch_size(4)
        config.set_dynamic_batching()
        config.add_input({"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [4]})
        config.add_output({"name": "OUTPUT0", "data_type": "TYPE_FP32", "dims": [4]})
        return config

    def execute(self, requests):
        return [pb_utils.InferenceResponse([pb_utils.Tensor(
            "OUTPUT0", pb_utils.get_input_tensor_by_name(r, "INPUT0").as_numpy())]) for r in requests]
