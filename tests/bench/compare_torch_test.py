#!/usr/bin/env python3
"""Host tests of bench/compare_torch.py and bench/model_cost.py: the parts that need no GPU
and no PyTorch (FLOP and byte counting from ONNX graphs, accuracy and limit arithmetic, the
job plan, the tables, and the rill subprocess path against a stub CLI).

    /usr/bin/python3 tests/bench/compare_torch_test.py [-v]

Needs onnx and numpy (Debian's python3-onnx, python3-numpy). The real exported models are
checked too where $RILL_MODELS_DIR/{resnet50,bert}/model.onnx exist (the directory
scripts/export_torch_models.py writes); otherwise those tests skip.
"""

import json
import math
import os
import sys
import tempfile
import textwrap
import types
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))
import compare_torch  # noqa: E402
import model_cost  # noqa: E402

MODELS_DIR = os.environ.get("RILL_MODELS_DIR", "")


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def conv_matmul_graph():
    """x[N,3,8,8] -> Conv 4x3x3x3 pad 1 -> Reshape to [N, 256] through Shape/Gather/Unsqueeze/
    Concat -> MatMul [256,10] -> Gemm [5,10] transB -> y[N,5]."""
    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Shape", ["r"], ["s"]),
        helper.make_node("Constant", [], ["zero"], value=init("zero_v", np.array(0, np.int64))),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Constant", [], ["minus_one"], value_ints=[-1]),
        helper.make_node("Concat", ["n1", "minus_one"], ["target"], axis=0),
        helper.make_node("Reshape", ["r", "target"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w2"], ["m"]),
        helper.make_node("Gemm", ["m", "w3"], ["y"], transB=1),
    ]
    initializers = [
        init("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
        init("b", np.zeros(4, np.float32)),
        init("axes", np.array([0], np.int64)),
        init("w2", rng.standard_normal((256, 10)).astype(np.float32)),
        init("w3", rng.standard_normal((5, 10)).astype(np.float32)),
    ]
    graph = helper.make_graph(
        nodes, "conv_matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5])], initializers)
    onnx.checker.check_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    return graph


def embedding_graph():
    """BERT's embedding pattern: position ids sliced to Shape(ids)[1] (the pattern ONNX's own
    shape inference loses), two Gathers from tables, then attention-like MatMuls."""
    rng = np.random.default_rng(1)
    nodes = [
        helper.make_node("Shape", ["ids"], ["s"]),
        helper.make_node("Gather", ["s", "one"], ["seq"], axis=0),
        helper.make_node("Unsqueeze", ["seq", "axes"], ["seq1"]),
        helper.make_node("Slice", ["positions", "start", "seq1", "axis1"], ["pos"]),
        helper.make_node("Gather", ["words", "ids"], ["we"]),
        helper.make_node("Gather", ["pos_table", "pos"], ["pe"]),
        helper.make_node("Add", ["we", "pe"], ["e"]),
        helper.make_node("MatMul", ["e", "wq"], ["q"]),
        helper.make_node("Transpose", ["q"], ["qt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "qt"], ["scores"]),
        helper.make_node("Softmax", ["scores"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "q"], ["out"]),
    ]
    initializers = [
        init("one", np.array(1, np.int64)),
        init("axes", np.array([0], np.int64)),
        init("start", np.array([0], np.int64)),
        init("axis1", np.array([1], np.int64)),
        init("positions", np.arange(64, dtype=np.int64).reshape(1, 64)),
        init("words", rng.standard_normal((1000, 16)).astype(np.float32)),
        init("pos_table", rng.standard_normal((64, 16)).astype(np.float32)),
        init("wq", rng.standard_normal((16, 16)).astype(np.float32)),
    ]
    graph = helper.make_graph(
        nodes, "embedding",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", 12])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", 12, 16])],
        initializers)
    onnx.checker.check_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    return graph


class ModelCostTest(unittest.TestCase):
    def test_conv_matmul_gemm(self):
        graph = conv_matmul_graph()
        for batch in (1, 3):
            cost = model_cost.model_cost(graph, {"x": [batch, 3, 8, 8]})
            conv = batch * 4 * 8 * 8 * 3 * 3 * 3
            self.assertEqual(cost["macs_by_op"], {"Conv": conv, "MatMul": batch * 256 * 10,
                                                  "Gemm": batch * 10 * 5})
            self.assertEqual(cost["flops"], 2 * (conv + batch * 2560 + batch * 50))

    def test_bytes(self):
        graph = conv_matmul_graph()
        cost = model_cost.model_cost(graph, {"x": [2, 3, 8, 8]})
        float_weights = 4 * 27 + 4 + 2560 + 50
        int_weights = 8  # axes: an int64 initializer keeps 8 bytes an element
        self.assertEqual(cost["bytes"]["fp32"], {
            "weights": 4 * float_weights + int_weights, "inputs": 4 * 2 * 3 * 64,
            "outputs": 4 * 2 * 5, "total": 4 * float_weights + int_weights + 4 * 384 + 40})
        self.assertEqual(cost["bytes"]["fp16"]["weights"], 2 * float_weights + int_weights)
        self.assertEqual(cost["bytes"]["bf16"]["inputs"], 4 * 2 * 3 * 64)  # inputs keep dtype

    def test_slice_to_runtime_length_and_embedding_rows(self):
        graph = embedding_graph()
        batch, seq, hidden = 2, 12, 16
        cost = model_cost.model_cost(graph, {"ids": [batch, seq]})
        self.assertEqual(cost["macs"], batch * (seq * hidden * hidden + 2 * seq * seq * hidden))
        # Tables read by Gather count the rows selected: 24 word rows and 12 position rows,
        # not 1000 and 64.
        tables = (batch * seq + seq) * hidden * 4
        small = 4 * 8 + 64 * 8 + hidden * hidden * 4  # int64 constants, positions, wq
        self.assertEqual(cost["bytes"]["fp32"]["weights"], tables + small)

    def test_unknown_op_names_the_node(self):
        graph = conv_matmul_graph()
        graph.node[1].op_type = "Mystery"
        with self.assertRaisesRegex(model_cost.ShapeError, "Mystery"):
            model_cost.model_cost(graph, {"x": [1, 3, 8, 8]})

    def test_symbolic_input_needs_a_shape(self):
        with self.assertRaisesRegex(model_cost.ShapeError, "symbolic"):
            model_cost.model_cost(conv_matmul_graph(), {})

    def test_pool_shapes(self):
        self.assertEqual(model_cost.pool_shape("MaxPool", (1, 64, 112, 112), None, {
            "kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]}), (1, 64, 56, 56))
        self.assertEqual(model_cost.pool_shape("MaxPool", (1, 8, 6, 6), None, {
            "kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1}), (1, 8, 3, 3))
        self.assertEqual(model_cost.pool_shape("Conv", (2, 3, 224, 224), (64, 3, 7, 7), {
            "pads": [3, 3, 3, 3], "strides": [2, 2]}), (2, 64, 112, 112))
        self.assertEqual(model_cost.matmul_shape((2, 12, 128, 64), (2, 12, 64, 128)),
                         (2, 12, 128, 128))
        self.assertEqual(model_cost.matmul_shape((4, 7), (7,)), (4,))


class RealModelsTest(unittest.TestCase):
    """ResNet-50: 4.09 G multiply-adds per image; BERT-base s128: 11.17 G (12 layers of
    4 x 768^2 + 2 x 768 x 3072 per token, plus 2 x 128^2 x 768 for attention)."""

    def cost(self, name, shapes):
        path = os.path.join(MODELS_DIR, name, "model.onnx")
        if not os.path.exists(path):
            self.skipTest("no %s" % path)
        return model_cost.model_cost(model_cost.load_graph(path), shapes)

    def test_resnet50(self):
        one = self.cost("resnet50", {"input": [1, 3, 224, 224]})
        self.assertAlmostEqual(one["macs"] / 1e9, 4.09, delta=0.02)
        self.assertAlmostEqual(one["bytes"]["fp32"]["weights"] / 1e6, 102.0, delta=1.0)
        self.assertEqual(self.cost("resnet50", {"input": [32, 3, 224, 224]})["macs"],
                         32 * one["macs"])

    def test_bert(self):
        one = self.cost("bert", {"input_ids": [1, 128]})
        layer = 4 * 768 * 768 + 2 * 768 * 3072
        self.assertEqual(one["macs"], 12 * (128 * layer + 2 * 128 * 128 * 768))
        # 110 M parameters, less the 30522 x 768 word table of which 128 rows are read.
        self.assertAlmostEqual(one["bytes"]["fp32"]["weights"] / 1e6, 340.5, delta=2.0)
        self.assertEqual(self.cost("bert", {"input_ids": [32, 128]})["macs"], 32 * one["macs"])


class NumbersTest(unittest.TestCase):
    def test_relative_l2(self):
        ref = np.array([3.0, 4.0], np.float32)
        self.assertEqual(compare_torch.relative_l2(ref, ref), 0.0)
        self.assertAlmostEqual(compare_torch.relative_l2(ref + [0.0, 0.05], ref), 0.01)
        self.assertEqual(compare_torch.relative_l2(np.array([np.nan, 4.0]), ref), math.inf)
        self.assertEqual(compare_torch.relative_l2(ref[:1], ref), math.inf)

    def test_limits_fraction(self):
        cost = {"flops": 8e9, "bytes": {"fp16": {"total": 50e6}}}
        limits = {"fp16_tflops": 800.0, "copy_gb_s": 4000.0}
        f = compare_torch.limits_fraction(cost, "fp16", 1.0, limits)
        self.assertAlmostEqual(f["tflops"], 8.0)
        self.assertAlmostEqual(f["fraction_of_matmul_peak"], 0.01)
        self.assertAlmostEqual(f["gb_s"], 50.0)
        self.assertAlmostEqual(f["fraction_of_copy_bandwidth"], 0.0125)
        self.assertAlmostEqual(f["floor_ms"], 0.0125)  # bytes: 12.5 us; FLOPs: 10 us
        self.assertAlmostEqual(f["time_over_floor"], 80.0)

    def test_parse_build_output(self):
        text = textwrap.dedent("""\
            built m.onnx -> m.rill
              layers: 300 imported, 180 after optimization, 40 fused
              precision: fp16: 170 layers in float16, 10 left in float32, 12 casts
            """)
        self.assertEqual(compare_torch.parse_build_output(text), {
            "half_layers": 170, "float_layers": 10, "casts": 12, "layers": 180, "fused": 40})
        self.assertEqual(compare_torch.parse_build_output("  precision: fp32\n"), {})

    def test_error_line_and_file_name(self):
        text = "[###] 10%\nrill: error: unsupported: no float16 kernel (node /a/Conv)\n"
        self.assertIn("float16", compare_torch.error_line(text))
        self.assertEqual(compare_torch.error_line(""), "no output")
        self.assertEqual(compare_torch.output_file_name("last_hidden_state"),
                         "last_hidden_state.npy")
        self.assertEqual(compare_torch.output_file_name("a/b:0"), "a_b_0.npy")


class PlanAndReportTest(unittest.TestCase):
    def test_plan_order(self):
        jobs = compare_torch.plan_jobs(["resnet50", "bert"], [1, 32], max_autotune=False)
        whats = [j[3] for j in jobs]
        # Every fp16 comparison comes before any fp32 job; no max-autotune unless asked.
        self.assertLess(max(i for i, w in enumerate(whats) if w == "fp16_reduce_overhead"),
                        min(i for i, w in enumerate(whats) if w.startswith("fp32")))
        self.assertNotIn("fp16_max_autotune", whats)
        self.assertEqual(len(jobs), 4 * 7)
        with_ma = compare_torch.plan_jobs(["bert"], [1], max_autotune=True)
        self.assertEqual(with_ma[-1], ("torch", "bert", 1, "fp16_max_autotune"))
        for job in with_ma:
            self.assertIn(compare_torch.job_kind(job), compare_torch.GUESS_S)

    def configs(self):
        cost = {"flops": 8.2e9, "macs": 4.1e9,
                "bytes": {p: {"total": 5e7} for p in compare_torch.PRECISIONS}}
        limits = {"fp16_tflops": 700.0, "bf16_tflops": 700.0, "fp32_tflops": 50.0,
                  "copy_gb_s": 4000.0}
        fast = {"model": "resnet50", "batch": 1, "torch": {
            "fp16_eager": {"median_ms": 3.0, "first_call_s": 1.0, "rel_l2": 1e-3},
            "fp16_reduce_overhead": {"median_ms": 1.0, "first_call_s": 40.0, "rel_l2": 1e-3},
            "fp32_reduce_overhead": {"skipped": "needs ~60 s, 3 s left"}},
            "rill": {
                "fp16": {"median_ms": 0.5, "rel_l2": 2e-3, "accuracy": "PASS", "tolerance": 1e-2,
                         "build_s": 3.0, "half_layers": 70, "float_layers": 0},
                "bf16": {"median_ms": 0.6, "rel_l2": 3e-2, "accuracy": "FAIL",
                         "tolerance": 2e-2, "build_s": 3.0},
                "fp32": {"error": "build: rill: error: no | kernel", "build_s": 1.0}}}
        slow = {"model": "bert", "batch": 32, "torch": {
            "fp16_reduce_overhead": {"median_ms": 4.0, "first_call_s": 30.0, "rel_l2": 1e-3}},
            "rill": {"fp16": {"median_ms": 3.6, "rel_l2": 1e-3, "accuracy": "PASS",
                              "tolerance": 1e-2}}}
        configs = {("resnet50", 1): fast, ("bert", 32): slow}
        compare_torch.attach_limits(configs, {("resnet50", 1): cost, ("bert", 32): cost}, limits)
        return [fast, slow], limits

    def test_target_and_limits(self):
        (fast, slow), _ = self.configs()
        self.assertAlmostEqual(fast["rill_fp16_over_compile_fp16"], 0.5)
        self.assertTrue(fast["target_met"])
        self.assertAlmostEqual(slow["rill_fp16_over_compile_fp16"], 0.9)
        self.assertFalse(slow["target_met"])
        self.assertAlmostEqual(fast["rill"]["fp16"]["limits"]["tflops"], 16.4)
        self.assertNotIn("limits", fast["rill"]["fp32"])

    def test_tables_are_well_formed(self):
        configs, limits = self.configs()
        text = compare_torch.report(configs, limits, "title", max_autotune=False)
        tables = {}
        for line in text.splitlines():
            if line.startswith("|"):
                tables.setdefault(len(tables) if line.startswith("| model") else
                                  len(tables) - 1, []).append(line)
        self.assertEqual(len(tables), 3)
        for lines in tables.values():
            widths = {line.count("|") for line in lines}
            self.assertEqual(len(widths), 1, "ragged table:\n" + "\n".join(lines))
        self.assertIn("| 0.50x | yes | PASS / FAIL / - |", text)
        self.assertIn("| 0.90x | no |", text)
        self.assertIn("FAIL (tol 2e-02)", text)
        self.assertIn("skipped", text)
        self.assertNotIn("max_autotune", text.split("### rill")[0])


STUB_RILL = r'''#!/usr/bin/env python3
# A stand-in for the rill CLI: build writes a plan, run writes the reference output plus
# a small error, bench writes rill bench's JSON fields that compare_torch reads.
import json, os, sys
import numpy as np
cmd = sys.argv[1]
args = sys.argv[2:]
def opt(name):
    return args[args.index(name) + 1]
if cmd == "build":
    if "--bf16" in args:
        print("rill: error: unsupported: op has no bfloat16 kernel (node /x/Conv, op Conv)",
              file=sys.stderr)
        sys.exit(1)
    open(opt("-o"), "w").write(" ".join(args))
    print("  layers: 10 imported, 8 after optimization, 2 fused")
    print("  precision: fp16: 7 layers in float16, 1 left in float32, 2 casts")
elif cmd == "run":
    plan = open(args[0]).read()
    ref = np.load(os.environ["STUB_REFERENCE"])
    os.makedirs(opt("--output-dir"), exist_ok=True)
    out = ref * (1 + 1e-3) if "--fp16" in plan else ref
    np.save(os.path.join(opt("--output-dir"), "logits.npy"), out.astype(np.float32))
elif cmd == "bench":
    with open(opt("--json"), "w") as f:
        json.dump({"gpu_compute_ms": {"median": 1.25, "p90": 1.5}, "per_inference_ms": 1.3,
                   "enqueue_ms": {"median": 0.01}, "inferences": int(opt("--iterations")),
                   "warnings": []}, f)
'''


class RillSubprocessTest(unittest.TestCase):
    def test_rill_row_against_a_stub(self):
        with tempfile.TemporaryDirectory() as tmp:
            stub = os.path.join(tmp, "rill")
            with open(stub, "w") as f:
                f.write("#!" + sys.executable + "\n" + STUB_RILL)
            os.chmod(stub, 0o755)
            ref = np.random.default_rng(0).standard_normal((2, 10)).astype(np.float32)
            np.save(os.path.join(tmp, "output_b2.npy"), ref)
            os.environ["STUB_REFERENCE"] = os.path.join(tmp, "output_b2.npy")
            spec = {"name": "resnet50", "onnx": "model.onnx", "input_name": "input",
                    "output_name": "logits", "input_shape": lambda b: [b, 3, 224, 224],
                    "input_file": lambda b: "input_b%d.npy" % b,
                    "output_file": lambda b: os.path.join(tmp, "output_b%d.npy" % b)}
            args = types.SimpleNamespace(rill=stub, rill_iters=50, warmup=5)

            row = compare_torch.rill_row(args, spec, 2, "fp16", tmp)
            self.assertNotIn("error", row)
            self.assertEqual(row["accuracy"], "PASS")
            self.assertAlmostEqual(row["rel_l2"], 1e-3, places=6)
            self.assertEqual(row["median_ms"], 1.25)
            self.assertEqual(row["iterations"], 50)
            self.assertEqual((row["half_layers"], row["float_layers"]), (7, 1))
            with open(os.path.join(tmp, "resnet50_b2_fp16.rill")) as f:
                self.assertIn("--opt input:2x3x224x224 --fp16", f.read())

            row = compare_torch.rill_row(args, spec, 2, "bf16", tmp)
            self.assertIn("no bfloat16 kernel", row["error"])
            self.assertNotIn("median_ms", row)

            row = compare_torch.rill_row(args, spec, 2, "fp32", tmp)
            self.assertEqual(row["rel_l2"], 0.0)
            self.assertEqual(row["tolerance"], 1e-4)

    def test_model_specs_reads_the_manifest(self):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = {"models": [{
                "name": "bert", "onnx": "bert/model.onnx", "input_name": "input_ids",
                "output_name": "last_hidden_state", "files": [
                    {"batch": b, "input": {"path": "bert/input_b%d.npy" % b,
                                           "shape": [b, 128]},
                     "output": {"path": "bert/output_b%d.npy" % b, "shape": [b, 128, 768]}}
                    for b in (1, 8, 32)]}]}
            with open(os.path.join(tmp, "manifest.json"), "w") as f:
                json.dump(manifest, f)
            spec = compare_torch.model_specs(tmp, ["bert"])["bert"]
            self.assertEqual(spec["input_shape"](32), [32, 128])
            self.assertEqual(spec["output_file"](32), os.path.join(tmp, "bert/output_b32.npy"))
            with self.assertRaisesRegex(FileNotFoundError, "batch-4"):
                spec["input_file"](4)


if __name__ == "__main__":
    unittest.main()
