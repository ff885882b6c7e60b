"""Writes ../resources/dev/nereid/pytorch/casts.pt, the TorchScript module nereid-pytorch uses to make
INT16 and BF16 input tensors.

DJL's JNI (pytorch-jni 2.7.1-0.36.0) aborts the process when asked for a tensor of either type, so the
backend makes an INT32 (or FP32) tensor of the same values and converts it in libtorch with this module;
both conversions are exact. Run with Debian's python3-torch (1.13): /usr/bin/python3 generate_casts.py
"""
import os

import torch


class Casts(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.int16)

    @torch.jit.export
    def to_int16(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.int16)

    @torch.jit.export
    def to_bfloat16(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "dev", "nereid", "pytorch", "casts.pt")
    torch.jit.script(Casts()).save(out)
    print("wrote", out)
