import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    """Uses the three kinds of custom metric the way Triton's python backend documents them: each X
    value is observed in a histogram and counted; a gauge holds the last batch size. ERRORS lists
    what pb_utils refused, one message per misuse tried in initialize."""

    def initialize(self, args):
        name = args["model_name"]
        values = pb_utils.MetricFamily(
            name="custom_x_values", description="X values seen", kind=pb_utils.MetricFamily.HISTOGRAM)
        self.histogram = values.Metric(labels={"model": name, "input": "X"}, buckets=[0.1, 1.0, 2.5, 5.0, 10.0])
        requests = pb_utils.MetricFamily(
            name="custom_requests_total", description="Requests seen", kind=pb_utils.MetricFamily.COUNTER)
        self.counter = requests.Metric(labels={"model": name})
        batch = pb_utils.MetricFamily(
            name="custom_last_batch", description="Size of the last batch", kind=pb_utils.MetricFamily.GAUGE)
        self.gauge = batch.Metric(labels={"model": name})
        # vLLM's model.py names its families this way.
        tokens = pb_utils.MetricFamily(
            name="vllm:prompt_tokens_total", description="Prompt tokens", kind=pb_utils.MetricFamily.COUNTER)
        tokens.Metric(labels={"model": name})
        # Created and never updated: shows at zero.
        values.Metric(labels={"model": name, "input": "unused"}, buckets=[0.1, 1.0, 2.5, 5.0, 10.0])

        self.errors = []
        misuses = [
            lambda: values.Metric(labels={"model": name, "input": "Y"}),
            lambda: values.Metric(labels={"model": name, "input": "Y"}, buckets=[2.5, 0.1]),
            lambda: values.Metric(labels={"model": name, "input": "Y"}, buckets=[1.0, 2.0]),
            lambda: pb_utils.MetricFamily(name="custom_requests_total", description="again",
                                          kind=pb_utils.MetricFamily.GAUGE),
            lambda: requests.Metric(labels={"route": "other"}),
            lambda: self.counter.increment(-1),
            lambda: self.counter.set(5),
            lambda: self.gauge.observe(1.0),
            lambda: self.histogram.increment(1),
            lambda: self.histogram.value(),
        ]
        for misuse in misuses:
            try:
                misuse()
                self.errors.append("accepted")
            except pb_utils.TritonModelException as e:
                self.errors.append(e.message())

    def execute(self, requests):
        self.gauge.set(len(requests))
        responses = []
        for r in requests:
            for x in pb_utils.get_input_tensor_by_name(r, "X").as_numpy().reshape(-1):
                self.histogram.observe(float(x))
            self.counter.increment(1)
            errors = np.array([e.encode() for e in self.errors], dtype=np.object_)
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("ERRORS", errors)]))
        return responses
