"""Writes ../resources/models/cnn_32.pt, the TorchScript model of TorchBenchmark: a small CNN on
[3, 32, 32] images (three 3x3 convolutions, 32-32-64 channels, global average pooling, a 64 -> 10
linear layer): about 15 M multiply-adds per image from 30 K weights (a 120 KB file), weights from a
fixed seed.

Run with Debian's python3-torch (1.13): /usr/bin/python3 generate_torch_cnn.py
"""
import os

import torch


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(32, 32, 3, padding=1)
        self.conv3 = torch.nn.Conv2d(32, 64, 3, padding=1, stride=2)
        self.fc = torch.nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = torch.relu(self.conv3(x))
        return self.fc(x.mean(dim=[2, 3]))


if __name__ == "__main__":
    torch.manual_seed(3)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "models", "cnn_32.pt")
    torch.jit.script(Cnn().eval()).save(out)
    print("wrote", out)
