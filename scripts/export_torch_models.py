#!/usr/bin/env python3
"""Export ResNet-50 and BERT-base to ONNX with PyTorch reference outputs.

    export_torch_models.py --out DIR [--models resnet50,bert]

Needs PyTorch (tested against 2.11), torchvision, transformers and onnx, plus
a CUDA GPU for the reference outputs. For each model it writes:

    DIR/<model>/model.onnx          opset 17, dynamic batch dimension
    DIR/<model>/input_b<N>.npy      fixed-seed input, N in {1, 8, 32}
    DIR/<model>/output_b<N>.npy     PyTorch float32 output on CUDA
    DIR/manifest.json               names, shapes and files (paths relative
                                    to DIR)

Weights are random (torch.manual_seed(0)), so nothing is downloaded. The
reference outputs are computed with TF32 disabled so that they are true
float32 results; compare a runtime's outputs against them with
scripts/compare_npy.py.
"""

import argparse
import collections
import json
import os
import sys

import numpy as np
import onnx
import torch

OPSET = 17
# 1 and 8 for scripts/gpu-check.sh's accuracy checks, 32 for bench/compare_torch.py.
BATCHES = (1, 8, 32)
MODEL_SEED = 0
# Inputs get their own generator, seeded per batch size, so they don't
# depend on how many random numbers model construction consumed.
INPUT_SEED_BASE = 1000

BERT_SEQ_LEN = 128


class BertLastHiddenState(torch.nn.Module):
    """Expose BertModel as a single-tensor function of input_ids."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids):
        return self.bert(input_ids=input_ids).last_hidden_state


def build_resnet50():
    import torchvision

    model = torchvision.models.resnet50(weights=None).eval()

    def make_input(batch, gen):
        return torch.randn((batch, 3, 224, 224), generator=gen,
                           dtype=torch.float32)

    return model, make_input, "input", "logits"


def build_bert():
    import transformers

    # Eager attention exports to plain MatMul/Softmax. The SDPA path (the
    # default in recent transformers) builds its mask with code that the
    # TorchScript tracer handles poorly in transformers 5.x.
    config = transformers.BertConfig(attn_implementation="eager")
    bert = transformers.BertModel(config)
    impl = getattr(bert.config, "_attn_implementation", None)
    if impl not in (None, "eager"):
        print("warning: BERT attention implementation is %r, not 'eager'"
              % impl, file=sys.stderr)
    model = BertLastHiddenState(bert).eval()
    vocab_size = config.vocab_size

    def make_input(batch, gen):
        return torch.randint(0, vocab_size, (batch, BERT_SEQ_LEN),
                             generator=gen, dtype=torch.int64)

    return model, make_input, "input_ids", "last_hidden_state"


MODELS = collections.OrderedDict([
    ("resnet50", build_resnet50),
    ("bert", build_bert),
])


def configure_precision():
    # Reference outputs must be real float32: TF32 matmuls/convolutions
    # would make them differ from an exact float32 evaluation by ~1e-3.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    # Deterministic kernels make reruns produce identical reference files.
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


def save_npy(path, tensor, root):
    arr = np.ascontiguousarray(tensor.detach().cpu().numpy())
    np.save(path, arr, allow_pickle=False)
    print("wrote %s  %s %s" % (os.path.relpath(path, root), arr.dtype,
                               list(arr.shape)))
    return {"path": os.path.relpath(path, root), "dtype": str(arr.dtype),
            "shape": list(arr.shape)}


def export_model(name, out_dir, device):
    model_dir = os.path.join(out_dir, name)
    os.makedirs(model_dir, exist_ok=True)

    torch.manual_seed(MODEL_SEED)
    model, make_input, input_name, output_name = MODELS[name]()

    # Export from the CPU copy of the model. Tracing with batch 1 is fine
    # because the batch dimension is declared dynamic.
    onnx_path = os.path.join(model_dir, "model.onnx")
    example = make_input(1, torch.Generator().manual_seed(INPUT_SEED_BASE))
    with torch.no_grad():
        torch.onnx.export(
            model, (example,), onnx_path,
            opset_version=OPSET,
            dynamo=False,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_axes={input_name: {0: "batch"},
                          output_name: {0: "batch"}},
            do_constant_folding=True,
        )
    # Check by path: that also works for models near the 2 GB proto limit.
    onnx.checker.check_model(onnx_path)
    graph = onnx.load(onnx_path, load_external_data=False).graph
    op_counts = collections.Counter(node.op_type for node in graph.node)
    print("wrote %s  %d bytes, %d nodes" % (
        os.path.relpath(onnx_path, out_dir), os.path.getsize(onnx_path),
        len(graph.node)))

    model = model.to(device)
    files = []
    for batch in BATCHES:
        gen = torch.Generator().manual_seed(INPUT_SEED_BASE + batch)
        x = make_input(batch, gen)
        entry = {"batch": batch}
        entry["input"] = save_npy(
            os.path.join(model_dir, "input_b%d.npy" % batch), x, out_dir)
        with torch.no_grad():
            y = model(x.to(device)).float()
        entry["output"] = save_npy(
            os.path.join(model_dir, "output_b%d.npy" % batch), y, out_dir)
        files.append(entry)

    # Free GPU memory before the next model.
    del model
    if device.type == "cuda":
        torch.cuda.empty_cache()

    return {
        "name": name,
        "onnx": os.path.relpath(onnx_path, out_dir),
        "opset": OPSET,
        "input_name": input_name,
        "output_name": output_name,
        "dynamic_axes": {input_name: {"0": "batch"},
                         output_name: {"0": "batch"}},
        "op_types": dict(sorted(op_counts.items())),
        "files": files,
    }


def package_versions():
    versions = {}
    for module in ("torch", "torchvision", "transformers", "onnx", "numpy"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            pass
    return versions


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Export ONNX models with PyTorch reference outputs.")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output directory")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of: %s (default: all)"
                             % ", ".join(MODELS))
    parser.add_argument("--device", default="cuda",
                        help="device for the reference outputs "
                             "(default: %(default)s)")
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        parser.error("unknown model(s) %s; choose from %s"
                     % (", ".join(unknown), ", ".join(MODELS)))

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("error: CUDA is not available (use --device cpu to override)",
              file=sys.stderr)
        return 1
    configure_precision()

    os.makedirs(args.out, exist_ok=True)
    entries = [export_model(name, args.out, device) for name in names]

    manifest_path = os.path.join(args.out, "manifest.json")
    # Keep entries of models exported by an earlier run into the same DIR
    # (e.g. --models resnet50, then --models bert).
    previous = []
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            previous = [m for m in json.load(f).get("models", [])
                        if m.get("name") not in names]
    order = list(MODELS)
    models = sorted(previous + entries,
                    key=lambda m: order.index(m["name"])
                    if m["name"] in order else len(order))

    manifest = {
        "generator": "scripts/export_torch_models.py",
        "versions": package_versions(),
        "reference_device": (torch.cuda.get_device_name(device)
                             if device.type == "cuda" else str(device)),
        "tf32": False,
        "models": models,
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("wrote manifest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
