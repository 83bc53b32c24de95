"""PyTorch side of packages/models/test/torch-interop.test.ts (run with Debian's /usr/bin/python3).

  torchvision_interop.py export DIR   torchvision resnet18, vgg11_bn, alexnet, googlenet with random
                                      weights and random batch-norm statistics: DIR/<name>.safetensors
                                      (the state_dict, names unchanged) and DIR/<name>.io.safetensors
                                      (a fixed input and the eval-mode logits)
  torchvision_interop.py import DIR   DIR/lenet5.safetensors and DIR/resnet18.safetensors written by
                                      gradstream: load_state_dict(strict=True) into PyTorch's LeNet-5
                                      (below) and torchvision's resnet18, run DIR/<name>.io.safetensors'
                                      input, write the logits to DIR/<name>.torch.safetensors

Safetensors is written and read by hand (an 8-byte little-endian header length, a JSON header,
raw little-endian bytes): no safetensors package is installed here.
"""

import json
import struct
import sys

import torch
import torchvision

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}
TORCH_DTYPES = {v: k for k, v in DTYPES.items()}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    body = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        dtype = TORCH_DTYPES[e["dtype"]]
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out


class LeNet5(torch.nn.Module):
    """gradstream's lenet5() (packages/models/src/models/lenet.ts): ReLU, max pooling, 28×28 input padded by 2."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 6, 5, padding=2),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(6, 16, 5),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
        )
        self.classifier = torch.nn.Sequential(
            torch.nn.Linear(16 * 5 * 5, 120),
            torch.nn.ReLU(),
            torch.nn.Linear(120, 84),
            torch.nn.ReLU(),
            torch.nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def randomize_batch_norm(model, g):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=g) + 0.5
            m.bias.data = torch.randn(c, generator=g) * 0.1
            m.running_mean = torch.randn(c, generator=g) * 0.1
            m.running_var = torch.rand(c, generator=g) + 0.5
            m.num_batches_tracked = torch.tensor(int(torch.randint(1, 1000, (1,), generator=g)))


BUILDERS = {
    "resnet18": lambda: torchvision.models.resnet18(),
    "vgg11_bn": lambda: torchvision.models.vgg11_bn(),
    "alexnet": lambda: torchvision.models.alexnet(),
    # aux_logits is torchvision's default: the state dict carries aux1/aux2, as gradstream's googlenet({ auxLogits: true }).
    "googlenet": lambda: torchvision.models.googlenet(aux_logits=True, init_weights=True),
}


def export(directory):
    torch.manual_seed(16)
    g = torch.Generator().manual_seed(16)
    for name, build in BUILDERS.items():
        model = build()
        randomize_batch_norm(model, g)
        model.eval()
        x = torch.randn(2, 3, 224, 224, generator=g)
        with torch.no_grad():
            logits = model(x)
        write_safetensors(f"{directory}/{name}.safetensors", model.state_dict())
        write_safetensors(f"{directory}/{name}.io.safetensors", {"input": x, "logits": logits})
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, logits {list(logits.shape)}")


def import_(directory):
    for name, model in (("lenet5", LeNet5()), ("resnet18", torchvision.models.resnet18(num_classes=10))):
        state = read_safetensors(f"{directory}/{name}.safetensors")
        model.load_state_dict(state, strict=True)
        model.eval()
        x = read_safetensors(f"{directory}/{name}.io.safetensors")["input"]
        with torch.no_grad():
            logits = model(x)
        write_safetensors(f"{directory}/{name}.torch.safetensors", {"logits": logits})
        print(f"{name}: loaded {len(state)} tensors with strict=True, logits {list(logits.shape)}")


if __name__ == "__main__":
    mode, directory = sys.argv[1], sys.argv[2]
    {"export": export, "import": import_}[mode](directory)
