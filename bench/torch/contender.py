"""PyTorch contender of `pnpm bench` (bench/torch-contender.ts starts it with /usr/bin/python3).

A long-lived process speaking line-delimited JSON on stdin/stdout, so the bench
can interleave PyTorch's timed rounds with gradstream's and tfjs's. Requests:

  {"op": "info"}                                  -> {"torch": ..., "torchvision": ..., "mkldnn": ...}
  {"op": "setup", "id": K, "threads": T, "case": {...}} -> {"ok": true} | {"na": "reason"}
  {"op": "run", "id": K, "reps": N}               -> {"ms": wall ms of N reps, "cpu_ms": process CPU ms}
  {"op": "dispose", "id": K}                      -> {"ok": true}

Every reply may instead be {"error": "message"}. A case describes the work as
the TypeScript suites do (see bench/suites/*.ts): the same architectures,
batch, shapes and learning rate. Each contender id keeps its own case and
thread count; torch.set_num_threads is applied before each timed run.
"""
import json
import os
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class LeNet5(nn.Module):
    """packages/models lenet5(): conv 6@5x5 pad 2, ReLU, max pool, conv 16@5x5, ReLU, max pool, fc 120, 84, 10."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def resnet18(variant, num_classes):
    model = torchvision.models.resnet18(num_classes=num_classes)
    if variant == "cifar":
        # packages/models resnet18({ variant: 'cifar' }): 3x3 stride-1 stem and no max pool.
        model.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
        model.maxpool = nn.Identity()
    return model


def loaded_blas():
    """The BLAS shared library this process mapped (Debian's generic BLAS may be netlib's reference one or OpenBLAS)."""
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none mapped"
    except OSError:
        return "unknown"


def build(case):
    """Returns a zero-argument function doing one unit of the case's work, forced to finish."""
    kind = case["kind"]
    if kind == "matmul":
        n = case["n"]
        a, b = torch.randn(n, n), torch.randn(n, n)
        return lambda: torch.mm(a, b)
    if kind == "conv":
        n, c, hw, o, k, pad = (case[key] for key in ("n", "c", "hw", "o", "k", "pad"))
        x, w, dy = torch.randn(n, c, hw, hw), torch.randn(o, c, k, k), torch.randn(n, o, hw, hw)
        if case["op"] == "forward":
            return lambda: F.conv2d(x, w, padding=pad)
        # aten's own backward kernel (oneDNN), one gradient at a time, as the TypeScript rows time them.
        mask = [True, False, False] if case["op"] == "backprop-input" else [False, True, False]
        return lambda: torch.ops.aten.convolution_backward(
            dy, x, w, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, mask
        )
    if kind == "train":
        torch.manual_seed(0)
        model = LeNet5(case["classes"]) if case["net"] == "lenet5" else resnet18("cifar", case["classes"])
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=case["lr"])
        n = case["input"][0]
        x = torch.randn(*case["input"])
        y = torch.tensor([(i * 7) % case["classes"] for i in range(n)])

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()

        return step
    if kind == "forward":
        torch.manual_seed(0)
        model = resnet18(case["variant"], case["classes"]).eval()
        x = torch.randn(*case["input"])

        def forward():
            with torch.no_grad():
                return model(x)[0, 0].item()

        return forward
    if kind == "randn":
        n = case["n"]
        return lambda: torch.randn(n)
    if kind == "rand":
        n = case["n"]
        return lambda: torch.empty(n).uniform_(case["low"], case["high"])
    return None


def main():
    cases = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            op = req["op"]
            if op == "info":
                config = torch.__config__.show()
                # Which BLAS serves torch.mm and which vector width ATen dispatches to: both decide its columns.
                blas = re.search(r"BLAS_INFO=(\w+)", config)
                capability = re.search(r"CPU capability usage: (\w+)", config)
                reply = {
                    "torch": torch.__version__,
                    "torchvision": torchvision.__version__,
                    "mkldnn": torch.backends.mkldnn.is_available(),
                    "blas": blas.group(1) if blas else "unknown",
                    "cpu_capability": capability.group(1) if capability else "unknown",
                    "blas_library": loaded_blas(),
                }
            elif op == "setup":
                torch.set_num_threads(req["threads"])
                work = build(req["case"])
                if work is None:
                    reply = {"na": "no such case in bench/torch/contender.py: " + req["case"]["kind"]}
                else:
                    cases[req["id"]] = (work, req["threads"])
                    reply = {"ok": True}
            elif op == "run":
                work, threads = cases[req["id"]]
                torch.set_num_threads(threads)
                cpu0, t0 = time.process_time(), time.perf_counter()
                for _ in range(req["reps"]):
                    work()
                reply = {"ms": (time.perf_counter() - t0) * 1e3, "cpu_ms": (time.process_time() - cpu0) * 1e3}
            elif op == "dispose":
                cases.pop(req["id"], None)
                reply = {"ok": True}
            else:
                reply = {"error": "unknown op " + str(op)}
        except Exception as e:  # reported to the bench, which prints it in the table's error lines
            reply = {"error": type(e).__name__ + ": " + str(e).splitlines()[0][:200] if str(e) else type(e).__name__}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
