"""Writes the TorchScript test models of nereid-pytorch into ../resources/models.

Run with Debian's python3-torch (1.13): /usr/bin/python3 generate_models.py
TorchScript files saved by torch 1.13 load in libtorch 2.7 (the DJL native the backend uses).
Weights come from a fixed seed, so a rerun writes the same tensors.
"""
import os
from typing import Dict, List, Tuple

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "models")


class AddSub(torch.nn.Module):
    """Triton's add_sub: OUTPUT__0 = INPUT__0 + INPUT__1, OUTPUT__1 = INPUT__0 - INPUT__1, a tuple."""

    def forward(self, input0: torch.Tensor, input1: torch.Tensor):
        return input0 + input1, input0 - input1


class Named(torch.nn.Module):
    """Inputs found by forward()'s argument names: the result depends on which argument is which."""

    def forward(self, scale: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        return scale * 10.0 + offset


class DictOut(torch.nn.Module):
    """A Dict[str, Tensor] output; Triton reads dict outputs by key."""

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        return {"doubled": x * 2, "negated": -x}


class ListOut(torch.nn.Module):
    """A List[Tensor] output, read by position."""

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        return [x + 1, x * x]


class Strings(torch.nn.Module):
    """List[str] in (a BYTES input), List[str] out (upper-cased) and each string's length."""

    def forward(self, words: List[str]):
        upper: List[str] = []
        lengths: List[int] = []
        for w in words:
            upper.append(w.upper())
            lengths.append(len(w))
        return upper, torch.tensor(lengths, dtype=torch.int64)


class Flip(torch.nn.Module):
    """Reverses the last dimension; flip is defined for every dtype, so one file serves every type test."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flip(x, [-1])


class Mlp(torch.nn.Module):
    """A small MLP, 16 -> 32 -> 8, for batching."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 32)
        self.fc2 = torch.nn.Linear(32, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


class Accumulate(torch.nn.Module):
    """A stateful model for sequence batching with implicit state: the state is the running sum."""

    def forward(self, input0: torch.Tensor, state_in: torch.Tensor):
        total = state_in + input0
        return total, total


class GradProbe(torch.nn.Module):
    """Doubles x, and reports how libtorch ran forward: [autograd on, result is an inference tensor]."""

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        y = x * 2
        return y, torch.tensor([torch.is_grad_enabled(), y.is_inference()])


class DictIn(torch.nn.Module):
    """A single Dict[str, Tensor] argument: Triton feeds every config input under its name as a key."""

    def forward(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        return inputs["scale"] * 10.0 + inputs["offset"]


def save(module, name):
    torch.manual_seed(7)
    scripted = torch.jit.script(module)
    path = os.path.join(OUT, name)
    scripted.save(path)
    print("wrote", path)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(7)
    save(AddSub(), "add_sub.pt")
    save(Named(), "named.pt")
    save(DictOut(), "dict_out.pt")
    save(ListOut(), "list_out.pt")
    save(Strings(), "strings.pt")
    save(Flip(), "flip.pt")
    torch.manual_seed(7)
    mlp = Mlp()
    scripted = torch.jit.script(mlp)
    scripted.save(os.path.join(OUT, "mlp.pt"))
    save(Accumulate(), "accumulate.pt")
    save(GradProbe(), "grad_probe.pt")
    save(DictIn(), "dict_in.pt")


if __name__ == "__main__":
    main()
