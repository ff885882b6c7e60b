# DLPack capsules for BF16 tensors, which numpy cannot make or read (it has no bfloat16). Plain ctypes
# over the DLPack ABI (dlpack.h, the unversioned "dltensor" capsule that torch and numpy exchange), so
# a model can hand a BF16 tensor to torch.from_dlpack, or take one from torch, as with Triton's stub.
import ctypes

import numpy as np

CPU = 1
CUDA_HOST = 3
_BFLOAT = 4
_NAME = b"dltensor"
_USED = b"used_dltensor"


class _Device(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _Device), ("ndim", ctypes.c_int32), ("dtype", _DataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class _Managed(ctypes.Structure):
    pass


_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Managed))
_Managed._fields_ = [("dl_tensor", _Tensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER)]

_api = ctypes.pythonapi
_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)(
    ("PyCapsule_New", _api))
_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_IsValid", _api))
_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_GetPointer", _api))
_set_name = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_SetName", _api))

# What our capsules point at, kept alive until their consumer calls the deleter (or nobody consumed
# the capsule and it is collected): address of the DLManagedTensor -> (struct, shape, array).
_exported = {}


@_DELETER
def _delete(managed):
    _exported.pop(ctypes.addressof(managed.contents), None)


# PyCapsule's fields after the object header: pointer, name, context, destructor.
_CAPSULE_POINTER = object.__basicsize__
_CAPSULE_NAME = _CAPSULE_POINTER + ctypes.sizeof(ctypes.c_void_p)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _capsule_destructor(capsule):
    # A capsule still named "dltensor" was never consumed: nobody else will call the deleter.
    try:
        if ctypes.c_char_p.from_address(capsule + _CAPSULE_NAME).value == _NAME:
            _exported.pop(ctypes.c_void_p.from_address(capsule + _CAPSULE_POINTER).value, None)
    except BaseException:
        # Run while the consumer's own error is pending (np.from_dlpack refusing bfloat16), no call
        # can succeed: the entry stays (a few hundred bytes and a reference to the tensor's array).
        pass


def is_capsule(value):
    return type(value).__name__ == "PyCapsule"


def export_bf16(array):
    """A "dltensor" capsule over a C-contiguous np.uint16 array of bfloat16 bit patterns, without a copy."""
    shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
    managed = _Managed()
    managed.dl_tensor.data = array.ctypes.data
    managed.dl_tensor.device = _Device(CPU, 0)
    managed.dl_tensor.ndim = array.ndim
    managed.dl_tensor.dtype = _DataType(_BFLOAT, 16, 1)
    managed.dl_tensor.shape = ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64))
    managed.dl_tensor.strides = None
    managed.dl_tensor.byte_offset = 0
    managed.deleter = _delete
    address = ctypes.addressof(managed)
    _exported[address] = (managed, shape, array)
    return _new(address, _NAME, ctypes.cast(_capsule_destructor, ctypes.c_void_p).value)


def take_bf16(capsule):
    """Consumes a bfloat16 "dltensor" capsule: its values as np.uint16 bit patterns (our own capsule's
    array without a copy; another producer's copied, then released). None for any other dtype, and the
    capsule is left for numpy."""
    if not _is_valid(capsule, _NAME):
        raise ValueError("expected an unconsumed DLPack capsule named 'dltensor'")
    address = _pointer(capsule, _NAME)
    managed = _Managed.from_address(address)
    t = managed.dl_tensor
    if (t.dtype.code, t.dtype.bits, t.dtype.lanes) != (_BFLOAT, 16, 1):
        return None
    if t.device.device_type not in (CPU, CUDA_HOST):
        raise ValueError("DLDevice type %d is not supported (CPU memory only)" % t.device.device_type)
    shape = tuple(t.shape[i] for i in range(t.ndim))
    if t.strides:
        expected = 1
        for i in reversed(range(t.ndim)):
            if shape[i] != 1 and t.strides[i] != expected:
                raise ValueError("DLPack tensor is not contiguous. Only contiguous DLPack tensors that are stored "
                                 "in C-Order are supported.")
            expected *= shape[i]
    own = _exported.get(address)
    if own is not None:
        array = own[2].reshape(shape)
    else:
        count = int(np.prod(shape, dtype=np.int64))
        array = np.empty(shape, dtype=np.uint16)
        if count:
            ctypes.memmove(array.ctypes.data, t.data + t.byte_offset, count * 2)
    _set_name(capsule, _USED)
    if managed.deleter:
        managed.deleter(ctypes.pointer(managed))
    return array
