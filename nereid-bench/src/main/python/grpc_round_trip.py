#!/usr/bin/python3
"""A large tensor through a KServe v2 gRPC server and back, from the client Triton's own Python
client is built on (grpcio, gRPC's C core), so the figure is the server's and not a Java client's.

Sends identity's fp32_input as one FP32 [1, N] tensor in raw_input_contents, reads raw_output_contents
back, one call at a time on one channel, and prints the time of each round trip and the tensor bytes
per second per direction. The request is encoded once by hand (five protobuf fields) and the response
is read without a generated module, so the client costs one copy of each message at most.

Needs only Debian's python3-grpcio:
    apt-get install python3-grpcio
    taskset -c 1 /usr/bin/python3 nereid-bench/src/main/python/grpc_round_trip.py 127.0.0.1:8001 [MiB=64] [round trips=20]
"""
import struct
import sys
import time

import grpc


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, payload):
    """A length-delimited field: tag, length, bytes."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def read_varint(data, pos):
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def raw_output_contents(response):
    """The raw_output_contents (field 6) of a ModelInferResponse, as memoryviews of the response."""
    view = memoryview(response)
    pos, found = 0, []
    while pos < len(view):
        tag, pos = read_varint(view, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            _, pos = read_varint(view, pos)
        elif wire == 2:
            length, pos = read_varint(view, pos)
            if number == 6:
                found.append(view[pos:pos + length])
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError("unexpected wire type %d in the response" % wire)
    return found


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8001"
    mib = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    count = (mib << 20) // 4
    tensor = struct.pack("<%df" % count, *(i * 0.5 for i in range(count)))
    shape = field(3, varint(1) + varint(count))  # packed int64 [1, count]
    request = (field(1, b"identity")
               + field(5, field(1, b"fp32_input") + field(2, b"FP32") + shape)
               + field(7, tensor))
    limit = 2**31 - 1
    channel = grpc.insecure_channel(target, options=[
        ("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)])
    infer = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer")  # bytes in, bytes out
    print("identity FP32 %d MiB as gRPC raw contents in and out, grpcio %s client, one channel"
          % (mib, grpc.__version__))
    for i in range(rounds + 2):
        start = time.perf_counter()
        response = infer(request)
        seconds = time.perf_counter() - start
        if i == 0 and raw_output_contents(response) != [memoryview(tensor)]:
            raise SystemExit("the output tensor differs from the input")
        print("%s %7.1f ms  %6.0f MB/s per direction"
              % ("warm-up" if i < 2 else "round  ", seconds * 1e3, len(tensor) / seconds / 1e6))


if __name__ == "__main__":
    main()
