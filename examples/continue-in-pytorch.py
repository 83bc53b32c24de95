"""The first hop past one machine: a LeNet-5 trained by gradstream continues training in PyTorch.

  pnpm gradstream train --epochs 1 --out runs/one
  /usr/bin/python3 examples/continue-in-pytorch.py runs/one/model.safetensors

Loads the weights with load_state_dict(strict=True) into a PyTorch LeNet-5 of the same layout and
names, wraps it in DistributedDataParallel (one process here, gloo; torchrun gives it more), and
takes a few SGD steps on random data to show the model trains on. Safetensors is read by hand
(an 8-byte header length, a JSON header, raw little-endian bytes).
"""

import os
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "packages", "models", "test", "torch"))
from torchvision_interop import LeNet5, read_safetensors  # noqa: E402

model = LeNet5()
model.load_state_dict(read_safetensors(sys.argv[1]), strict=True)
os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
os.environ.setdefault("MASTER_PORT", "29517")
dist.init_process_group("gloo", rank=int(os.environ.get("RANK", 0)), world_size=int(os.environ.get("WORLD_SIZE", 1)))
ddp = torch.nn.parallel.DistributedDataParallel(model)
opt = torch.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)
for step in range(3):
    x, y = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
    loss = torch.nn.functional.cross_entropy(ddp(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
dist.destroy_process_group()
