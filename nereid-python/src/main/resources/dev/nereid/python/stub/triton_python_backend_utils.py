# Nereid's triton_python_backend_utils: the module Triton's model.py files import as pb_utils.
# Same names and behaviour as Triton documents them; the transport underneath is Nereid's stub
# (nereid_stub.py), which sets _runtime before a model is imported.
import json
import struct

import numpy as np

import _nereid_dlpack as _dlpack

_runtime = None  # the stub's Runtime; set by nereid_stub

TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1
TRITONSERVER_REQUEST_FLAG_SEQUENCE_START = 1
TRITONSERVER_REQUEST_FLAG_SEQUENCE_END = 2
TRITONSERVER_REQUEST_RELEASE_ALL = 1
TRITONSERVER_REQUEST_RELEASE_RESCHEDULE = 2

# TRITONSERVER_DataType numbers, the same as model_config.proto's TYPE_* numbers.
_TYPE_NAMES = ["INVALID", "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32",
               "INT64", "FP16", "FP32", "FP64", "BYTES", "BF16"]
_NUMPY_BY_NAME = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
}
TRITON_STRING_TO_NUMPY = {
    "TYPE_BOOL": bool, "TYPE_UINT8": np.uint8, "TYPE_UINT16": np.uint16, "TYPE_UINT32": np.uint32,
    "TYPE_UINT64": np.uint64, "TYPE_INT8": np.int8, "TYPE_INT16": np.int16, "TYPE_INT32": np.int32,
    "TYPE_INT64": np.int64, "TYPE_FP16": np.float16, "TYPE_FP32": np.float32, "TYPE_FP64": np.float64,
    "TYPE_STRING": np.object_,
}


def triton_to_numpy_type(data_type):
    """The numpy type of a TRITONSERVER_DataType number (13, BYTES, is np.object_)."""
    if data_type == 1:
        return np.bool_
    return _NUMPY_BY_NAME.get(_TYPE_NAMES[data_type]) if 0 < data_type < len(_TYPE_NAMES) else None


def numpy_to_triton_type(data_type):
    """The TRITONSERVER_DataType number of a numpy type, or None."""
    name = _kserve_name(np.dtype(data_type))
    return _TYPE_NAMES.index(name) if name else None


def triton_string_to_numpy(triton_type_string):
    """The numpy type of a config data type name such as 'TYPE_FP32'."""
    return TRITON_STRING_TO_NUMPY[triton_type_string]


def _kserve_name(dtype):
    if dtype == np.object_ or dtype.type == np.bytes_ or dtype.type == np.str_:
        return "BYTES"
    if dtype == np.bool_:
        return "BOOL"
    for name, t in _NUMPY_BY_NAME.items():
        if name != "BYTES" and dtype == np.dtype(t):
            return name
    return None


def serialize_byte_tensor(input_tensor):
    """A BYTES array in Triton's encoding (4-byte little-endian length, then the bytes, per element),
    as a 1-D np.uint8 array; None for an empty tensor."""
    if input_tensor.size == 0:
        return None
    return np.frombuffer(_encode_bytes(input_tensor), dtype=np.uint8)


def deserialize_bytes_tensor(encoded_tensor):
    """The elements of a Triton-encoded BYTES buffer as a 1-D np.object_ array of bytes."""
    return _decode_bytes(memoryview(encoded_tensor).cast("B"), -1)


def _encode_bytes(array):
    parts = []
    for item in np.asarray(array, dtype=np.object_).reshape(-1):
        if isinstance(item, (bytes, bytearray, memoryview)):
            b = bytes(item)
        elif isinstance(item, str):
            b = item.encode("utf-8")
        else:
            b = str(item).encode("utf-8")
        parts.append(struct.pack("<I", len(b)))
        parts.append(b)
    return b"".join(parts)


def _decode_bytes(buffer, count):
    out = []
    pos = 0
    end = len(buffer)
    while pos < end and (count < 0 or len(out) < count):
        (n,) = struct.unpack_from("<I", buffer, pos)
        pos += 4
        out.append(bytes(buffer[pos:pos + n]))
        pos += n
    array = np.empty(len(out), dtype=np.object_)
    array[:] = out
    return array


class TritonError:
    """An error for a response: a message and one of Triton's error codes."""
    UNKNOWN = 0
    INTERNAL = 1
    NOT_FOUND = 2
    INVALID_ARG = 3
    UNAVAILABLE = 4
    UNSUPPORTED = 5
    ALREADY_EXISTS = 6
    CANCELLED = 7

    def __init__(self, message, code=INTERNAL):
        self._message = str(message)
        self._code = code

    def message(self):
        return self._message

    def code(self):
        return self._code

    def __repr__(self):
        return "TritonError(%r, %d)" % (self._message, self._code)


class TritonModelException(Exception):
    """Raised by pb_utils calls that fail (a BLS request that cannot be sent, a bad tensor)."""

    def message(self):
        return str(self)


_BF16_AS_NUMPY = ("Tensor dtype is BF16 and cannot be converted to NumPy. Use to_dlpack() and from_dlpack() "
                  "instead.")


class Tensor:
    """A named tensor over a numpy array. BYTES tensors are numpy object arrays of bytes. A BF16 tensor
    (numpy has no bfloat16) is reachable only through DLPack, as in Triton: as_numpy() refuses it,
    to_dlpack() and from_dlpack() carry it (to torch, or from one tensor to another)."""

    def __init__(self, name, data, dtype=None):
        if not name:
            raise TritonModelException("Tensor name cannot be an empty string.")
        if not isinstance(data, np.ndarray):
            data = np.asarray(data)
        if data.dtype.type == np.str_:
            data = data.astype(np.object_)
        self._name = name
        self._array = data  # for BF16: the raw 16-bit patterns, as np.uint16
        self._type = dtype or _kserve_name(data.dtype)
        if self._type is None:
            raise TritonModelException(
                "tensor '%s': numpy dtype %s has no Triton data type" % (name, data.dtype))

    def name(self):
        return self._name

    def as_numpy(self):
        if self._type == "BF16":
            raise TritonModelException(_BF16_AS_NUMPY)
        return self._array

    def triton_dtype(self):
        return _TYPE_NAMES.index(self._type)

    def shape(self):
        return list(self._array.shape)

    def is_cpu(self):
        return True

    def to_dlpack(self):
        if self._type == "BYTES":
            raise TritonModelException("DLPack does not have support for string tensors.")
        if self._type == "BF16":
            return _dlpack.export_bf16(np.ascontiguousarray(self._array))
        return self._array.__dlpack__()

    def __dlpack__(self, stream=None, **_):
        return self.to_dlpack()

    def __dlpack_device__(self):
        return (_dlpack.CPU, 0)

    @staticmethod
    def from_dlpack(name, dlpack_tensor):
        if isinstance(dlpack_tensor, Tensor) and dlpack_tensor._type == "BF16":
            return Tensor(name, dlpack_tensor._array, "BF16")
        if hasattr(dlpack_tensor, "__dlpack__"):
            if hasattr(dlpack_tensor, "__dlpack_device__"):
                device = dlpack_tensor.__dlpack_device__()[0]
                if device not in (_dlpack.CPU, _dlpack.CUDA_HOST):
                    raise TritonModelException("DLDevice type %d is not supported by Nereid's python backend "
                                               "(CPU memory only)" % device)
            capsule = dlpack_tensor.__dlpack__(stream=None)
        elif _dlpack.is_capsule(dlpack_tensor):
            capsule = dlpack_tensor
        else:
            raise TritonModelException("Provided tensor is not supported. Tensor must be a DLPack capsule or "
                                       "have `__dlpack__` and `__dlpack_device__` attributes")
        try:
            bf16 = _dlpack.take_bf16(capsule)
        except ValueError as e:
            raise TritonModelException(str(e))
        if bf16 is not None:
            return Tensor(name, bf16, "BF16")
        return Tensor(name, np.from_dlpack(_Capsule(capsule)))

    def __repr__(self):
        return "Tensor(%s, %s, %s)" % (self._name, self._type, list(self._array.shape))


class _Capsule:
    """Lets np.from_dlpack take a bare DLPack capsule, as Triton's from_dlpack does."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, stream=None, **_):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)


class InferenceResponse:
    """A response: output tensors, or an error."""

    def __init__(self, output_tensors=None, error=None, parameters=None):
        self._outputs = list(output_tensors or [])
        self._error = error
        if isinstance(parameters, str):
            parameters = json.loads(parameters)
        self._parameters = parameters or {}

    def output_tensors(self):
        return self._outputs

    def has_error(self):
        return self._error is not None

    def error(self):
        return self._error

    def parameters(self):
        return json.dumps(self._parameters)


class InferenceTrace:
    """Names a received request's trace, for InferenceRequest(trace=...)."""

    def __init__(self, received=None):
        self._received = received


class InferenceRequest:
    """A request: one the model received, or (business logic scripting) one it sends to a model."""

    def __init__(self, model_name=None, inputs=None, requested_output_names=None, request_id="",
                 correlation_id=0, flags=0, timeout=0, model_version=-1, parameters=None,
                 preferred_memory=None, trace=None, _received=None):
        self._model_name = model_name
        self._inputs = list(inputs or [])
        self._requested = list(requested_output_names or [])
        self._request_id = request_id
        self._correlation_id = correlation_id
        self._flags = flags
        self._timeout = timeout
        self._model_version = model_version
        if isinstance(parameters, str):
            parameters = json.loads(parameters)
        self._parameters = parameters or {}
        self._received = _received  # (stub, batch id, index) for a request the model received
        self._trace = trace  # the InferenceTrace of a received request this one continues (BLS)
        self._sender = None
        self._release_flags = TRITONSERVER_REQUEST_RELEASE_ALL

    def inputs(self):
        return self._inputs

    def request_id(self):
        return self._request_id

    def correlation_id(self):
        return self._correlation_id

    def flags(self):
        return self._flags

    def timeout(self):
        return self._timeout

    def model_name(self):
        return self._model_name

    def model_version(self):
        return self._model_version

    def parameters(self):
        return json.dumps(self._parameters)

    def requested_output_names(self):
        return list(self._requested)

    def is_cancelled(self):
        if self._received is None:
            return False
        return _runtime.is_cancelled(self._received)

    def trace(self):
        """The trace of a request the model received: pass it as InferenceRequest(trace=...) so the
        request the model makes shows as its child. Without it, a request made while execute runs
        joins the trace of the batch being executed."""
        return InferenceTrace(self._received)

    def get_response_sender(self):
        if self._received is None:
            raise TritonModelException("only a request the model received has a response sender")
        if self._sender is None:
            self._sender = InferenceResponseSender(self._received)
        return self._sender

    def set_release_flags(self, flags):
        # Nereid's schedulers do not take a request back (Triton needs sequence_batching
        # iterative_sequence for it): the stub ends a rescheduled request with an UNSUPPORTED error
        # once execute returns, rather than leave it without a final response.
        if flags not in (TRITONSERVER_REQUEST_RELEASE_ALL, TRITONSERVER_REQUEST_RELEASE_RESCHEDULE):
            raise TritonModelException("set_release_flags: unknown flags %r" % (flags,))
        self._release_flags = flags

    def _rescheduled(self):
        return self._release_flags == TRITONSERVER_REQUEST_RELEASE_RESCHEDULE

    def exec(self, decoupled=False):
        return _runtime.bls(self, decoupled)

    def async_exec(self, decoupled=False):
        return _runtime.bls_async(self, decoupled)


class InferenceResponseSender:
    """Sends a decoupled model's responses for one request, from any thread."""

    def __init__(self, received):
        self._received = received
        self._closed = False

    def send(self, response=None, flags=0):
        if self._closed:
            raise TritonModelException("the final response of this request was already sent")
        final = bool(flags & TRITONSERVER_RESPONSE_COMPLETE_FINAL)
        if final:
            self._closed = True
        _runtime.send_response(self._received, response, final)

    def is_cancelled(self):
        return _runtime.is_cancelled(self._received)


def get_input_tensor_by_name(inference_request, name):
    for t in inference_request.inputs():
        if t.name() == name:
            return t
    return None


def get_output_tensor_by_name(inference_response, name):
    for t in inference_response.output_tensors():
        if t.name() == name:
            return t
    return None


def get_input_config_by_name(model_config, name):
    for c in model_config.get("input", []):
        if c["name"] == name:
            return c
    return None


def get_output_config_by_name(model_config, name):
    for c in model_config.get("output", []):
        if c["name"] == name:
            return c
    return None


class Logger:
    """Writes into Nereid's log (SLF4J), under the model's name."""
    INFO = 0
    WARNING = 1
    ERROR = 2
    VERBOSE = 3

    @staticmethod
    def log(message, level=INFO):
        _runtime.log(("INFO", "WARNING", "ERROR", "VERBOSE")[level], str(message))

    @staticmethod
    def log_info(message):
        _runtime.log("INFO", str(message))

    @staticmethod
    def log_warn(message):
        _runtime.log("WARNING", str(message))

    @staticmethod
    def log_error(message):
        _runtime.log("ERROR", str(message))

    @staticmethod
    def log_verbose(message):
        _runtime.log("VERBOSE", str(message))


class MetricFamily:
    """A family of custom metrics on the server's /metrics, created (or found by name) when constructed.
    A family of the same name and kind is shared; the first description stays."""
    COUNTER = 0
    GAUGE = 1
    HISTOGRAM = 2
    _KIND_NAMES = ("counter", "gauge", "histogram")
    _known = {}  # name -> kind, for this stub: a second family of another kind fails here, as in Triton

    def __init__(self, name, description, kind):
        if kind not in (MetricFamily.COUNTER, MetricFamily.GAUGE, MetricFamily.HISTOGRAM):
            raise TritonModelException("metric family '%s': unknown kind %r (use MetricFamily.COUNTER, GAUGE "
                                       "or HISTOGRAM)" % (name, kind))
        if not name:
            raise TritonModelException("a metric family needs a name")
        known = MetricFamily._known.setdefault(name, kind)
        if known != kind:
            raise TritonModelException("metric family '%s' exists as a %s, cannot add it as a %s"
                                       % (name, MetricFamily._KIND_NAMES[known], MetricFamily._KIND_NAMES[kind]))
        self._name = name
        self._kind = kind
        self._description = description

    def Metric(self, labels=None, buckets=None):
        return Metric(self, labels, buckets)


class Metric:
    """One metric of a family, with its labels; it shows on /metrics (at zero) once created. A
    HISTOGRAM metric needs its bucket upper bounds (ascending; [] leaves only the +Inf bucket)."""

    def __init__(self, family, labels=None, buckets=None):
        self._family = family
        self._labels = {str(k): str(v) for k, v in sorted((labels or {}).items())}
        kind = family._kind
        if kind == MetricFamily.HISTOGRAM:
            if buckets is None:
                raise TritonModelException("histogram '%s': a HISTOGRAM metric needs buckets" % family._name)
            buckets = [float(b) for b in buckets]
            for a, b in zip(buckets, buckets[1:]):
                if not b > a:
                    raise TritonModelException("histogram '%s': buckets must be strictly ascending, got %s"
                                               % (family._name, buckets))
        elif buckets is not None:
            raise TritonModelException("metric family '%s' is a %s: only a HISTOGRAM metric takes buckets"
                                       % (family._name, MetricFamily._KIND_NAMES[kind]))
        _runtime.metric_new(self, buckets)

    def _refuse(self, what):
        raise TritonModelException("'%s' is a %s: %s"
                                   % (self._family._name, MetricFamily._KIND_NAMES[self._family._kind], what))

    def increment(self, value):
        kind = self._family._kind
        if kind == MetricFamily.HISTOGRAM:
            self._refuse("a histogram cannot be incremented, use observe()")
        if kind == MetricFamily.COUNTER and value < 0:
            raise TritonModelException("counter '%s' cannot decrease (got %s)" % (self._family._name, value))
        _runtime.metric(self, "increment", value)

    def set(self, value):
        if self._family._kind != MetricFamily.GAUGE:
            self._refuse("only a gauge can be set")
        _runtime.metric(self, "set", value)

    def observe(self, value):
        if self._family._kind != MetricFamily.HISTOGRAM:
            self._refuse("only a histogram observes values")
        _runtime.metric(self, "observe", value)

    def value(self):
        if self._family._kind == MetricFamily.HISTOGRAM:
            self._refuse("a histogram has no single value; read its buckets on /metrics")
        return _runtime.metric(self, "value", 0.0)


class ModelConfig:
    """The config handed to auto_complete_config: read it, fill what it lacks.

    Each setter refuses, with Triton's wording, what would contradict the config the user wrote: the
    model may fill a field the config leaves empty, never change one the config sets.
    """

    _INPUT_PROPERTIES = ("name", "data_type", "dims", "optional")
    _OUTPUT_PROPERTIES = ("name", "data_type", "dims")

    def __init__(self, model_config):
        if isinstance(model_config, str):
            model_config = json.loads(model_config)
        self._config = model_config
        self._config.setdefault("input", [])
        self._config.setdefault("output", [])

    def as_dict(self):
        return self._config

    def _model(self):
        return self._config.get("name", "")

    def max_batch_size(self):
        return int(self._config.get("max_batch_size", 0))

    def set_max_batch_size(self, max_batch_size):
        # The config may ask for less batching than the model offers, never for more.
        configured = self.max_batch_size()
        if configured > max_batch_size:
            raise ValueError("configuration specified max_batch_size %d, but in auto-complete-config function for "
                             "model '%s' specified max_batch_size %d" % (configured, self._model(), max_batch_size))
        self._config["max_batch_size"] = max_batch_size

    def set_dynamic_batching(self):
        for scheduler in ("sequence_batching", "ensemble_scheduling"):
            if scheduler in self._config:
                raise ValueError("Configuration specified scheduling_choice as '%s', but auto-complete-config "
                                 "function for model '%s' tries to set scheduling_choice as 'dynamic_batching'"
                                 % (scheduler, self._model()))
        self._config.setdefault("dynamic_batching", {})

    def set_model_transaction_policy(self, transaction_policy_dict):
        for key in transaction_policy_dict:
            if key != "decoupled":
                raise ValueError("model transaction property in auto-complete-config function for model '%s' "
                                 "contains property other than 'decoupled'." % self._model())
        policy = self._config.setdefault("model_transaction_policy", {})
        if "decoupled" in transaction_policy_dict:
            wanted = transaction_policy_dict["decoupled"]
            if "decoupled" in policy and policy["decoupled"] != wanted:
                raise ValueError("trying to change decoupled property in auto-complete-config for model '%s', "
                                 "which is already set to '%s'." % (self._model(), policy["decoupled"]))
            policy["decoupled"] = wanted

    def add_input(self, input):
        self._add("input", input, self._INPUT_PROPERTIES)

    def add_output(self, output):
        self._add("output", output, self._OUTPUT_PROPERTIES)

    def _add(self, kind, tensor, properties):
        model = self._model()
        if any(p not in properties for p in tensor):
            listed = ", ".join("'%s'" % p for p in properties[:-1]) + " and '%s'" % properties[-1]
            raise ValueError("%s '%s' in auto-complete-config function for model '%s' contains property other than "
                             "%s." % (kind, tensor.get("name", ""), model, listed))
        if "name" not in tensor:
            raise ValueError("%s in auto-complete-config function for model '%s' is missing 'name' property."
                             % (kind, model))
        for field in ("data_type", "dims"):
            if field not in tensor:
                raise ValueError("%s '%s' in auto-complete-config function for model '%s' is missing '%s' property."
                                 % (kind, tensor["name"], model, field))
        name = tensor["name"]
        for existing in self._config[kind]:
            if existing.get("name") != name:
                continue
            configured_type = existing.get("data_type", "TYPE_INVALID") or "TYPE_INVALID"
            if configured_type != "TYPE_INVALID" and configured_type != tensor["data_type"]:
                raise ValueError("unable to load model '%s', configuration expects datatype %s for %s '%s', model "
                                 "provides %s" % (model, configured_type, kind, name, tensor["data_type"]))
            configured_dims = [int(d) for d in existing.get("dims", [])]
            model_dims = [int(d) for d in tensor["dims"]]
            if configured_dims and configured_dims != model_dims:
                raise ValueError("model '%s', tensor '%s': the model expects dims %s but the model configuration "
                                 "specifies dims %s" % (model, name, model_dims, configured_dims))
            if "optional" in tensor and "optional" in existing and bool(existing["optional"]) != bool(tensor["optional"]):
                raise ValueError("model '%s', tensor '%s': the model expects optional %s but the model configuration "
                                 "specifies optional %s" % (model, name, bool(tensor["optional"]),
                                                            bool(existing["optional"])))
            existing["data_type"] = tensor["data_type"]
            existing["dims"] = model_dims
            if "optional" in tensor:
                existing["optional"] = tensor["optional"]
            return
        self._config[kind].append(dict(tensor))
