# Nereid's Python stub: one process per model instance. It connects to the Unix domain socket the
# server names, loads model.py and runs its TritonPythonModel for the messages the server sends.
#
# Frames, both ways: <u32 header length><u32 payload length><header: JSON><payload: bytes>, little-endian.
# Tensor bytes travel inline in the payload when small, or in shared-memory segments (files in a
# folder such as /dev/shm, mapped by both sides) when large: the side that writes a segment owns it,
# and the other side maps it by path.
import asyncio
import collections
import faulthandler
import importlib.util
import inspect
import itertools
import json
import mmap
import os
import queue
import re
import signal
import socket
import struct
import sys
import threading
import traceback

import numpy as np

import triton_python_backend_utils as pb_utils

INLINE_LIMIT = 64 * 1024
_FRAME = struct.Struct("<II")
_WAKE = {"op": "_wake"}
_INT64_KEYS = {"dims", "shape", "max_queue_delay_microseconds", "default_timeout_microseconds",
               "max_sequence_idle_microseconds", "priority_levels", "default_priority_level",
               "preferred_batch_size", "max_queue_size"}
_INT_TEXT = re.compile(r"^-?\d+$")
_NUMPY = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BF16": np.uint16,
}


def _fix_int64(value, key=None):
    """Protobuf's JSON prints int64 fields as strings; Triton hands models numbers."""
    if isinstance(value, dict):
        return {k: _fix_int64(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_fix_int64(v, key) for v in value]
    if key in _INT64_KEYS and isinstance(value, str) and _INT_TEXT.match(value):
        return int(value)
    return value


class Segment:
    def __init__(self, path, size, create):
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
        fd = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, size)
            else:
                size = os.fstat(fd).st_size
            self.map = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        self.path = path
        self.size = size
        self.address = np.frombuffer(self.map, dtype=np.uint8).ctypes.data
        self.free = False


class SharedMemory:
    """The stub's own segments (a pool, reused once the server frees them) and the server's, mapped on first use."""

    def __init__(self, folder, prefix):
        self._folder = folder
        self._prefix = prefix
        self._own = {}
        self._peer = {}
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def allocate(self, nbytes):
        with self._lock:
            best = None
            for seg in self._own.values():
                if seg.free and seg.size >= nbytes and (best is None or seg.size < best.size):
                    best = seg
            if best is None:
                size = max(1 << 20, 1 << (nbytes - 1).bit_length())
                path = os.path.join(self._folder, "%s-s%d" % (self._prefix, next(self._counter)))
                best = Segment(path, size, True)
                self._own[path] = best
            best.free = False
            return best

    def release(self, path):
        with self._lock:
            seg = self._own.get(path)
            if seg is not None:
                seg.free = True

    def peer(self, path):
        seg = self._peer.get(path)
        if seg is None:
            with self._lock:
                seg = self._peer.get(path)
                if seg is None:
                    seg = Segment(path, 0, False)
                    self._peer[path] = seg
        return seg

    def locate_peer(self, array):
        """(path, offset) when the array's memory lies in one of the server's segments (an input passed through)."""
        address = array.ctypes.data
        for seg in list(self._peer.values()):
            if seg.address <= address and address + array.nbytes <= seg.address + seg.size:
                return seg.path, address - seg.address
        return None

    def close(self, include_peer=False):
        for seg in list(self._own.values()) + (list(self._peer.values()) if include_peer else []):
            try:
                os.unlink(seg.path)
            except OSError:
                pass


class Waiter:
    """Collects the replies to one call (a BLS request's responses, a query's answer)."""

    def __init__(self, runtime, on_main):
        self._runtime = runtime
        self._on_main = on_main
        self._items = collections.deque()
        self._cv = threading.Condition()
        self.callback = None

    def deliver(self, item):
        if self.callback is not None:
            self.callback(item)
            return
        with self._cv:
            self._items.append(item)
            self._cv.notify()
        if self._on_main:
            self._runtime.main_queue.put((_WAKE, None))

    def get(self):
        if self._on_main:
            # The main thread keeps serving the server while it waits: a model that calls itself
            # (or a model that calls it back) gets its execute run here, nested, instead of deadlocking.
            while not self._items:
                header, payload = self._runtime.main_queue.get()
                if header is not _WAKE:
                    self._runtime.handle_main(header, payload)
            return self._items.popleft()
        with self._cv:
            while not self._items:
                self._cv.wait()
            return self._items.popleft()


class Runtime:
    def __init__(self, sock):
        self.sock = sock
        self.main_queue = queue.SimpleQueue()
        self._send_lock = threading.Lock()
        self._waiters = {}
        self._calls = itertools.count(1)
        self._batches = []
        self.model = None
        self.decoupled = False
        self.model_name = ""
        self.output_types = {}
        self.shm = None
        self._loop = None
        self._bg_loop = None
        self._in_loop = 0
        self._role = threading.Lock()
        self._busy = False
        self._wanted = threading.Event()
        self._in = sock.makefile("rb", buffering=256 * 1024)

    # ---- framing

    def send(self, header, parts=()):
        body = json.dumps(header, separators=(",", ":")).encode("utf-8")
        length = sum(memoryview(p).nbytes for p in parts)
        buffers = [_FRAME.pack(len(body), length), body]
        buffers.extend(parts)
        with self._send_lock:
            if length + len(body) < 256 * 1024:
                self.sock.sendall(b"".join(buffers))
            else:
                for b in buffers:
                    self.sock.sendall(b)

    def _recv_exact(self, n):
        # Through a buffered reader: a small frame (prefix, header, payload) costs one recv, not three.
        buf = bytearray(n)
        got = self._in.readinto(buf)
        while got < n:
            r = self._in.readinto(memoryview(buf)[got:])
            if not r:
                raise EOFError()
            got += r
        return buf

    # Who reads the socket: the main thread while it is idle, so a request reaches execute without a
    # thread hand-off; a helper thread while the main thread is busy (in initialize, execute or
    # finalize), so replies to calls made from execute (BLS, is_cancelled) and further batches still
    # arrive. The role passes at frame boundaries, under self._role.

    def _read_frame(self):
        hlen, plen = _FRAME.unpack(self._recv_exact(8))
        header = json.loads(self._recv_exact(hlen))
        payload = self._recv_exact(plen) if plen else b""
        return header, payload

    def _route(self, header, payload):
        """Handles a frame that is not the main thread's work; returns False for one that is."""
        op = header["op"]
        if op in ("reply", "bls_response"):
            waiter = self._waiters.get(header["call"])
            if waiter is not None:
                if op == "bls_response":
                    item = (self._bls_response(header, payload), header["final"])
                    if header["final"]:
                        self._waiters.pop(header["call"], None)
                else:
                    item = (header.get("value"), True)
                    self._waiters.pop(header["call"], None)
                waiter.deliver(item)
            return True
        if op == "free":
            self.shm.release(header["path"])
            return True
        return False

    def _gone(self):
        # The server went away (stopped, or killed before it could clean up): nothing is left to
        # serve. Delete every segment file of this stub, the server's too, so /dev/shm keeps nothing.
        if self.shm is not None:
            self.shm.close(include_peer=True)
        os._exit(0)

    def helper_reader(self):
        try:
            while True:
                self._wanted.wait()
                with self._role:
                    if not self._wanted.is_set():
                        continue
                    header, payload = self._read_frame()
                    if not self._route(header, payload):
                        self.main_queue.put((header, payload))
        except (EOFError, OSError):
            self._gone()

    def next_main(self):
        """The main thread's next piece of work: queued by the helper, or read from the socket."""
        while True:
            with self._role:
                try:
                    return self.main_queue.get_nowait()
                except queue.Empty:
                    pass
                try:
                    header, payload = self._read_frame()
                except (EOFError, OSError):
                    self._gone()
            if not self._route(header, payload):
                return header, payload

    def _done_soon(self):
        """Called just before the outermost execute sends its last message: the main thread is about
        to be idle, so the helper must not start another read (the server's next batch, which may
        follow that message at once, is then read by the main thread or handed to it)."""
        if not self._batches:
            self._set_busy(False)

    def _set_busy(self, busy):
        # The helper reads only while the main thread is busy and someone waits for a reply: a plain
        # execute leaves the socket to the main thread, which then reads the next batch itself.
        self._busy = busy
        if busy and self._waiters:
            self._wanted.set()
        elif not busy:
            self._wanted.clear()

    def run_main(self, header, payload):
        self._set_busy(True)
        try:
            self.handle_main(header, payload)
        finally:
            self._set_busy(False)

    # ---- tensors

    def decode(self, desc, payload, copy=False):
        dtype = desc["dtype"]
        shape = desc["shape"]
        count = 1
        for d in shape:
            count *= d
        if "shm" in desc:
            buf = self.shm.peer(desc["shm"]).map
        else:
            buf = payload
        off = desc["off"]
        n = desc["len"]
        if dtype == "BYTES":
            array = pb_utils._decode_bytes(memoryview(buf)[off:off + n], count).reshape(shape)
        else:
            array = np.frombuffer(buf, dtype=_NUMPY[dtype], count=count, offset=off).reshape(shape)
            if copy:
                array = array.copy()
        return pb_utils.Tensor(desc["name"], array, dtype)

    def encode(self, tensors, parts, offset, types=None):
        descs = []
        for t in tensors:
            if not isinstance(t, pb_utils.Tensor):
                raise pb_utils.TritonModelException("expected pb_utils.Tensor, got %s" % type(t).__name__)
            array = t._array  # not as_numpy(), which refuses BF16
            dtype = t._type
            if types is not None and dtype == "UINT16" and types.get(t.name()) == "TYPE_BF16":
                dtype = "BF16"
            desc = {"name": t.name(), "dtype": dtype, "shape": [int(d) for d in array.shape]}
            if dtype == "BYTES":
                data = memoryview(pb_utils._encode_bytes(array))
            else:
                array = np.ascontiguousarray(array)
                data = None
            nbytes = data.nbytes if data is not None else array.nbytes
            desc["len"] = nbytes
            if nbytes > INLINE_LIMIT:
                found = self.shm.locate_peer(array) if data is None else None
                if found is not None:
                    desc["shm"], desc["off"] = found
                else:
                    seg = self.shm.allocate(nbytes)
                    if data is None:
                        np.copyto(np.frombuffer(seg.map, dtype=array.dtype, count=array.size).reshape(array.shape), array)
                    else:
                        seg.map[0:nbytes] = data
                    desc["shm"] = seg.path
                    desc["off"] = 0
            else:
                desc["off"] = offset
                parts.append(data if data is not None else (array.data.cast("B") if array.size else b""))
                offset += nbytes
            descs.append(desc)
        return descs, offset

    def _response(self, response, parts, offset):
        if response is None:
            return {"outputs": []}, offset
        if not isinstance(response, pb_utils.InferenceResponse):
            raise pb_utils.TritonModelException(
                "expected pb_utils.InferenceResponse, got %s" % type(response).__name__)
        out = {}
        if response.has_error():
            err = response.error()
            out["error"] = {"message": err.message(), "code": err.code()}
        outputs, offset = self.encode(response.output_tensors(), parts, offset, self.output_types)
        out["outputs"] = outputs
        if response._parameters:
            out["params"] = response._parameters
        return out, offset

    # ---- model calls

    def handle_main(self, header, payload):
        op = header["op"]
        if op == "execute":
            self.execute(header, payload)
        elif op == "finalize":
            self.finalize()

    def execute(self, header, payload):
        batch = header["batch"]
        requests = []
        for i, r in enumerate(header["requests"]):
            inputs = [self.decode(d, payload) for d in r["inputs"]]
            corr = r.get("corr")
            requests.append(pb_utils.InferenceRequest(
                model_name=self.model_name, inputs=inputs, requested_output_names=r.get("outputs", []),
                request_id=r.get("id", ""), correlation_id=0 if corr is None else corr, flags=r.get("flags", 0),
                parameters=r.get("params") or {}, _received=(batch, i)))
        self._batches.append(batch)
        try:
            result = self.model.execute(requests)
            if inspect.isawaitable(result) and self.decoupled:
                # As Triton does for a decoupled model: the coroutine runs on the background event loop
                # and execute returns at once, so the next batch starts while this one awaits.
                self._run_in_background(result, requests)
                result = None
            elif inspect.isawaitable(result):
                self._in_loop += 1
                try:
                    result = self._event_loop().run_until_complete(result)
                finally:
                    self._in_loop -= 1
        except Exception as e:
            error = e
        else:
            error = None
        finally:
            self._batches.pop()
        if error is not None:
            self._done_soon()
            self.send({"op": "execute_done", "batch": batch, "error": "%s: %s" % (type(error).__name__, error)})
            return
        if self.decoupled:
            self._end_rescheduled(requests)
            self._done_soon()
            self.send({"op": "execute_done", "batch": batch})
            return
        if result is None or len(result) != len(requests):
            self._done_soon()
            self.send({"op": "execute_done", "batch": batch, "error":
                       "Number of InferenceResponse objects do not match the number of InferenceRequest objects. "
                       "InferenceRequest(s) size is:%d, and InferenceResponse(s) size is:%d"
                       % (len(requests), 0 if result is None else len(result))})
            return
        parts = []
        offset = 0
        responses = []
        try:
            for request, response in zip(requests, result):
                if request._rescheduled():
                    response = self._rescheduled_error()
                r, offset = self._response(response, parts, offset)
                responses.append(r)
        except Exception as e:
            self._done_soon()
            self.send({"op": "execute_done", "batch": batch, "error": "%s: %s" % (type(e).__name__, e)})
            return
        self._done_soon()
        self.send({"op": "execute_done", "batch": batch, "responses": responses}, parts)

    def _rescheduled_error(self):
        # Triton's core answers a scheduler that cannot take the request back with a message that
        # starts this way; clients may look for it.
        return pb_utils.InferenceResponse(error=pb_utils.TritonError(
            "Request is released with TRITONSERVER_REQUEST_RELEASE_RESCHEDULE, but model '%s' cannot be "
            "rescheduled: Nereid does not support request rescheduling (sequence_batching "
            "iterative_sequence)" % self.model_name, pb_utils.TritonError.UNSUPPORTED))

    def _end_rescheduled(self, requests):
        """A decoupled model's rescheduled requests that are still open get the error as final response."""
        for request in requests:
            if request._rescheduled():
                sender = request.get_response_sender()
                if not sender._closed:
                    sender.send(self._rescheduled_error(), flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)

    def send_response(self, received, response, final):
        parts = []
        r, _ = self._response(response, parts, 0)
        r["op"] = "response"
        r["batch"], r["req"] = received
        r["final"] = final
        self.send(r, parts)

    def finalize(self):
        try:
            if hasattr(self.model, "finalize"):
                self.model.finalize()
        except Exception:
            traceback.print_exc()
        self.send({"op": "finalize_done"})
        self.shm.close()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    def _event_loop(self):
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def _background_loop(self):
        if self._bg_loop is None:
            self._bg_loop = asyncio.new_event_loop()
            threading.Thread(target=self._bg_loop.run_forever, name="nereid-stub-async", daemon=True).start()
        return self._bg_loop

    def _run_in_background(self, coroutine, requests):
        future = asyncio.run_coroutine_threadsafe(coroutine, self._background_loop())

        def done(f):
            error = f.exception() if not f.cancelled() else asyncio.CancelledError("the coroutine was cancelled")
            if error is None:
                self._end_rescheduled(requests)
                return
            # Every request still open gets its final response: the error, as a synchronous execute's
            # exception would give it.
            message = "Failed to process the request(s) for model '%s': %s: %s" % (
                self.model_name, type(error).__name__, error)
            for request in requests:
                sender = request.get_response_sender()
                if not sender._closed:
                    try:
                        sender.send(pb_utils.InferenceResponse(error=pb_utils.TritonError(message)),
                                    flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
                    except Exception:
                        traceback.print_exc()

        future.add_done_callback(done)

    # ---- calls into the server

    def _call(self, header, parts=(), on_main=None):
        call = next(self._calls)
        if on_main is None:
            on_main = threading.current_thread() is threading.main_thread()
        waiter = Waiter(self, on_main)
        self._waiters[call] = waiter
        if self._busy:
            self._wanted.set()
        header["call"] = call
        return call, waiter

    def _bls_header(self, request, decoupled, may_yield):
        parts = []
        inputs, _ = self.encode(request.inputs(), parts, 0)
        header = {"op": "bls", "model": request.model_name(), "version": request.model_version(),
                  "inputs": inputs, "outputs": request.requested_output_names(),
                  "params": request._parameters, "timeout": request.timeout(), "decoupled": decoupled,
                  "id": request.request_id(), "flags": request.flags()}
        corr = request.correlation_id()
        if corr:
            header["corr"] = corr
        if may_yield and self._batches:
            header["yield"] = self._batches[-1]
        traced = getattr(request, "_trace", None)
        if traced is not None and traced._received is not None:
            header["trace"] = list(traced._received)
        elif self._batches:
            header["caller"] = self._batches[-1]
        return header, parts

    def bls(self, request, decoupled):
        if not request.model_name():
            raise pb_utils.TritonModelException("InferenceRequest has no model_name")
        # Inside an async execute the event loop cannot run a nested execute: wait without serving.
        on_main = threading.current_thread() is threading.main_thread() and not self._in_loop
        header, parts = self._bls_header(request, decoupled, on_main)
        _, waiter = self._call(header, on_main=on_main)
        self.send(header, parts)
        if decoupled:
            return self._stream(waiter)
        response, _ = waiter.get()
        return response

    @staticmethod
    def _stream(waiter):
        while True:
            response, final = waiter.get()
            yield response
            if final:
                return

    def bls_async(self, request, decoupled):
        loop = asyncio.get_event_loop()
        future = loop.create_future()
        header, parts = self._bls_header(request, decoupled, False)
        _, waiter = self._call(header, on_main=False)
        collected = []

        def done(item):
            response, final = item
            collected.append(response)
            if final:
                value = iter(collected) if decoupled else response
                loop.call_soon_threadsafe(lambda: future.done() or future.set_result(value))

        waiter.callback = done
        self.send(header, parts)
        return future

    def _bls_response(self, header, payload):
        error = header.get("error")
        outputs = []
        for d in header.get("outputs", []):
            outputs.append(self.decode(d, payload, copy="shm" in d))
            if "shm" in d:
                self.send({"op": "free", "path": d["shm"]})
        return pb_utils.InferenceResponse(
            output_tensors=outputs,
            error=None if error is None else pb_utils.TritonError(error["message"], error["code"]),
            parameters=header.get("params"))

    def is_cancelled(self, received):
        header = {"op": "is_cancelled", "batch": received[0], "req": received[1]}
        _, waiter = self._call(header, on_main=False)
        self.send(header)
        value, _ = waiter.get()
        return bool(value)

    def log(self, level, message):
        self.send({"op": "log", "level": level, "msg": message})

    def _metric_header(self, metric, op):
        family = metric._family
        return {"op": op, "family": family._name, "kind": pb_utils.MetricFamily._KIND_NAMES[family._kind],
                "labels": metric._labels}

    def metric_new(self, metric, buckets):
        header = self._metric_header(metric, "metric_new")
        header["description"] = metric._family._description
        if buckets is not None:
            header["buckets"] = buckets
        self._metric_call(header)

    def metric(self, metric, action, value):
        header = self._metric_header(metric, "metric")
        header["action"] = action
        header["value"] = float(value)
        if action != "value":
            # Updates are not answered: pb_utils refused what the server would refuse, so a model's hot
            # path pays no round trip per update.
            self.send(header)
            return None
        return self._metric_call(header)

    def _metric_call(self, header):
        _, waiter = self._call(header, on_main=False)
        self.send(header)
        result, _ = waiter.get()
        if isinstance(result, dict) and "error" in result:
            raise pb_utils.TritonModelException(result["error"])
        return result


def _load_module(model_file):
    folder = os.path.dirname(os.path.abspath(model_file))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location("model", model_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules["model"] = module
    spec.loader.exec_module(module)
    if not hasattr(module, "TritonPythonModel"):
        raise AttributeError("%s defines no class TritonPythonModel" % model_file)
    return module


def _last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text


def main():
    # kill -USR1 <stub pid> writes every thread's stack to the server's log.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    socket_path = sys.argv[1]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    runtime = Runtime(sock)
    pb_utils._runtime = runtime
    threading.Thread(target=runtime.helper_reader, name="nereid-stub-reader", daemon=True).start()

    header, _ = runtime.next_main()
    runtime._set_busy(True)
    runtime.shm = SharedMemory(header["shm_folder"], header["shm_prefix"])
    runtime.model_name = header.get("model_name", "")
    try:
        module = _load_module(header["model_file"])
        if header["op"] == "auto_complete":
            config = pb_utils.ModelConfig(_fix_int64(json.loads(header["config"])))
            cls = module.TritonPythonModel
            if hasattr(cls, "auto_complete_config"):
                config = cls.auto_complete_config(config)
                if not isinstance(config, pb_utils.ModelConfig):
                    raise ValueError("auto_complete_config function in model '%s' must return a valid "
                                     "pb.ModelConfig object." % runtime.model_name)
            runtime.send({"op": "auto_complete_done", "config": json.dumps(config.as_dict())})
            sys.stdout.flush()
            os._exit(0)
        args = dict(header["args"])
        config = _fix_int64(json.loads(args["model_config"]))
        args["model_config"] = json.dumps(config)
        runtime.decoupled = bool(config.get("model_transaction_policy", {}).get("decoupled", False))
        runtime.output_types = {o["name"]: o.get("data_type") for o in config.get("output", [])}
        runtime.model = module.TritonPythonModel()
        if hasattr(runtime.model, "initialize"):
            runtime.model.initialize(args)
    except BaseException:
        text = traceback.format_exc()
        runtime.send({"op": "failed", "error": _last_line(text), "traceback": text})
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    runtime._set_busy(False)
    runtime.send({"op": "ready"})
    while True:
        header, payload = runtime.next_main()
        if header is not _WAKE:
            runtime.run_main(header, payload)


if __name__ == "__main__":
    main()
