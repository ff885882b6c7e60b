import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """Logs through pb_utils.Logger and counts requests and summed elements in custom metrics."""

    def initialize(self, args):
        self.requests = pb_utils.MetricFamily(
            name="observed_requests_total", description="Requests the observed model ran",
            kind=pb_utils.MetricFamily.COUNTER)
        self.last = pb_utils.MetricFamily(
            name="observed_last_sum", description="The last sum", kind=pb_utils.MetricFamily.GAUGE)
        self.counter = self.requests.Metric(labels={"model": args["model_name"], "version": args["model_version"]})
        self.gauge = self.last.Metric(labels={"model": args["model_name"]})
        pb_utils.Logger.log_info("observed initialized: instance " + args["model_instance_name"])

    def execute(self, requests):
        responses = []
        for r in requests:
            x = pb_utils.get_input_tensor_by_name(r, "X").as_numpy()
            total = float(x.sum())
            self.counter.increment(1)
            self.gauge.set(total)
            pb_utils.Logger.log_warn("observed sum %s, counter now %s" % (total, self.counter.value()))
            print("printed by observed")
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("SUM", np.array([total], dtype=np.float32))]))
        return responses
