"""A PyTorch loop with 50 hidden syncs, for checking `rill trace` on a real framework.

Every `.item()` on a CUDA tensor copies the value to the host and waits for it: a host sync that
reads like plain Python. Run it under the tracer on a GPU machine:

    build/bin/rill trace -- python3 scripts/trace_torch_item.py

Expected report (counts other than the .item() ones depend on the PyTorch version):
  - "host syncs by API" lists cudaStreamSynchronize (or cuStreamSynchronize / cudaMemcpyAsync's
    sync, depending on how PyTorch waits for the copy) with at least 50 events;
  - the busiest call site of that API has a count of at least 50 and its first frames are Python
    frames from this file:
        py accumulate  at .../scripts/trace_torch_item.py:<line of `total += ...item()`>
        py main        at .../scripts/trace_torch_item.py:<line of the accumulate call>
        py <module>    at .../scripts/trace_torch_item.py:<last line>
    followed by native frames in libtorch/libc10 (at::native::_local_scalar_dense_cuda,
    c10::cuda::memcpy_and_sync, ...);
  - default-stream ops: the kernels PyTorch launched on the legacy default stream (PyTorch's
    "current stream" is the default stream unless a program sets another one).
The script itself prints "sum = 1275.0" (1 + 2 + ... + 50) and exits 0.
"""

import torch

ITERATIONS = 50


def accumulate(values: torch.Tensor) -> float:
    total = 0.0
    for i in range(ITERATIONS):
        total += values[i].item()  # one host sync each: the hidden sync this script plants
    return total


def main() -> None:
    if not torch.cuda.is_available():
        raise SystemExit("trace_torch_item.py needs a CUDA device")
    values = torch.arange(1, ITERATIONS + 1, device="cuda", dtype=torch.float32)
    total = accumulate(values)
    print(f"sum = {total}")


if __name__ == "__main__":
    main()
