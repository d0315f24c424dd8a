#!/usr/bin/python3
"""roformer.cpp side by side with ONNX Runtime and PyTorch eager, in one run, on one machine.

Builds RoFormer (v1, post-norm, interleaved rotary pairs) in PyTorch from its equations, checks it
against the shared fixture v1_base_shapes (one layer at base width), then stacks that layer into a
RoFormer-base-shaped encoder (12 layers, hidden 768, 12 heads, FFN 3072, vocabulary 1,000), writes
it as a Hugging Face checkpoint, converts it with `roformer convert`, exports it to ONNX and times
the three engines at the shapes and thread counts of `roformer bench`, taking turns round after
round. Prints one table with ratios.

A benchmark, not a test: CI does not run it. Needs Debian's python3-torch and python3-onnx, and
onnxruntime-node installed outside the repository:

    mkdir -p /tmp/ort && (cd /tmp/ort && npm install --ignore-scripts onnxruntime-node@1.30.0)
    /usr/bin/python3 tools/bench_peers.py --roformer build/tools/roformer --ort-modules /tmp/ort/node_modules

Large files (the ~340 MB checkpoint, model file and ONNX export) go to --work, never the repo.
"""
import argparse
import ctypes
import json
import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHAPES = [(1, 16), (1, 128), (1, 512), (32, 128)]


# --- safetensors, read and written with numpy (only F32 is needed) ----------------------------

def read_safetensors(path):
    data = Path(path).read_bytes()
    header_len = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + header_len])
    body = memoryview(data)[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(
            np.frombuffer(body[begin:end], dtype="<f4").reshape(info["shape"]).copy())
    return tensors


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, tensor in tensors.items():
        blob = tensor.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)


# --- RoFormer v1 from the equations ------------------------------------------------------------

class RoFormer(torch.nn.Module):
    """Sequence classifier: embeddings -> LayerNorm -> N x (rotary self-attention, add & norm,
    GELU FFN, add & norm) -> dense + GELU + out_proj on position 0. Weights keyed as HF names."""

    def __init__(self, config, weights):
        super().__init__()
        self.c = config
        self.w = torch.nn.ParameterDict(
            {name.replace(".", "__"): torch.nn.Parameter(t, requires_grad=False)
             for name, t in weights.items()})
        heads, hidden = config["num_attention_heads"], config["hidden_size"]
        head_dim = hidden // heads
        positions = config["max_position_embeddings"]
        # angle(p, i) = p * 10000^(-2i / head_dim) (RoFormer paper, eq. 15), each repeated for the
        # interleaved pair (2i, 2i+1).
        inv = 10000.0 ** (-2.0 * torch.arange(head_dim // 2, dtype=torch.float64) / head_dim)
        angle = torch.arange(positions, dtype=torch.float64)[:, None] * inv[None, :]
        self.register_buffer("cos", angle.cos().float().repeat_interleave(2, dim=-1))
        self.register_buffer("sin", angle.sin().float().repeat_interleave(2, dim=-1))

    def p(self, name):
        return self.w[name.replace(".", "__")]

    def linear(self, x, name):
        return torch.nn.functional.linear(x, self.p(name + ".weight"), self.p(name + ".bias"))

    def norm(self, x, name):
        gain = self.p(name + ".weight")
        return torch.nn.functional.layer_norm(x, tuple(gain.shape), gain,
                                              self.p(name + ".bias"), self.c["layer_norm_eps"])

    def rotate(self, x, seq):
        # x: [batch, heads, seq, head_dim]; pairs (x0, x1) -> (x0 cos - x1 sin, x1 cos + x0 sin)
        pair_swapped = torch.stack([-x[..., 1::2], x[..., 0::2]], dim=-1).reshape(x.shape)
        return x * self.cos[:seq] + pair_swapped * self.sin[:seq]

    def forward(self, input_ids, attention_mask, token_type_ids):
        c = self.c
        batch, seq = input_ids.shape
        heads = c["num_attention_heads"]
        head_dim = c["hidden_size"] // heads
        x = (self.p("roformer.embeddings.word_embeddings.weight")[input_ids] +
             self.p("roformer.embeddings.token_type_embeddings.weight")[token_type_ids])
        x = self.norm(x, "roformer.embeddings.LayerNorm")
        # masked keys get the most negative float added to their scores, as the reference does
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min

        def split(t):
            return t.view(batch, seq, heads, head_dim).transpose(1, 2)

        for layer in range(c["num_hidden_layers"]):
            prefix = f"roformer.encoder.layer.{layer}."
            q = self.rotate(split(self.linear(x, prefix + "attention.self.query")), seq)
            k = self.rotate(split(self.linear(x, prefix + "attention.self.key")), seq)
            v = split(self.linear(x, prefix + "attention.self.value"))
            if c.get("rotary_value", False):
                v = self.rotate(v, seq)
            scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim) + bias
            context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, seq, -1)
            x = self.norm(self.linear(context, prefix + "attention.output.dense") + x,
                          prefix + "attention.output.LayerNorm")
            ffn = torch.nn.functional.gelu(self.linear(x, prefix + "intermediate.dense"))
            x = self.norm(self.linear(ffn, prefix + "output.dense") + x, prefix + "output.LayerNorm")
        pooled = torch.nn.functional.gelu(self.linear(x[:, 0], "classifier.dense"))
        return x, self.linear(pooled, "classifier.out_proj")


def check_against_fixture(fixture):
    config = json.loads((fixture / "config.json").read_text())
    model = RoFormer(config, read_safetensors(fixture / "model.safetensors")).eval()
    expected = read_safetensors(fixture / "expected.safetensors")
    worst = 0.0
    for request in json.loads((fixture / "inputs.json").read_text()):
        ids, mask, types = (torch.tensor(request[key]) for key in
                            ("input_ids", "attention_mask", "token_type_ids"))
        with torch.inference_mode():
            hidden, logits = model(ids, mask, types)
        real = mask.bool()
        want_hidden = expected[request["name"] + ".last_hidden_state"]
        worst = max(worst, (hidden - want_hidden).abs()[real].max().item(),
                    (logits - expected[request["name"] + ".logits"]).abs().max().item())
    if worst > 1e-4:
        raise SystemExit(f"the PyTorch model differs from {fixture} by {worst:.2e} (tolerance 1e-4)")
    print(f"PyTorch model matches {fixture.name}: worst abs difference {worst:.2e}", flush=True)
    return config


def build_base_model(fixture, config, layers, work):
    """Stacks the fixture's one layer `layers` times: base shapes with weights of a real scale."""
    weights = read_safetensors(fixture / "model.safetensors")
    stacked = {}
    for name, tensor in weights.items():
        if ".encoder.layer.0." in name:
            for layer in range(layers):
                # a distinct copy per layer (scaled by 1 + 0.001 layer): with 12 equal copies the
                # ONNX export keeps one, and ONNX Runtime would read 28 MB of weights, not 340 MB
                scaled = tensor * (1.0 + 0.001 * layer)
                stacked[name.replace(".layer.0.", f".layer.{layer}.")] = scaled
        else:
            stacked[name] = tensor
    checkpoint = work / f"roformer_base_L{layers}"
    checkpoint.mkdir(parents=True, exist_ok=True)
    base_config = dict(config, num_hidden_layers=layers)
    (checkpoint / "config.json").write_text(json.dumps(base_config, indent=2))
    shutil.copy(fixture / "vocab.txt", checkpoint / "vocab.txt")
    write_safetensors(checkpoint / "model.safetensors", stacked)
    return base_config, stacked, checkpoint


def export_onnx(model, path):
    ids = torch.ones(1, 16, dtype=torch.int64)
    dynamic = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
               "token_type_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}}

    class LogitsOnly(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids, attention_mask, token_type_ids)[1]

    torch.onnx.export(LogitsOnly(model), (ids, ids, torch.zeros_like(ids)), str(path),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["logits"], dynamic_axes=dynamic, opset_version=14)


# --- timers ------------------------------------------------------------------------------------

def runs_for(batch, seq, runs):
    return max(3, runs * 128 // max(128, batch * seq))  # fewer repetitions of the long shapes


def settle():
    """PyTorch's OpenMP and OpenBLAS workers live in this process and spin for a while after their
    last task; a two-thread run started meanwhile shares its cores with them (it measured 1.9x
    slower at 1x512). A pause lets them go to sleep before the next engine is timed."""
    time.sleep(1.0)


def time_roformer(binary, model_file, batch, seq, threads, runs):
    out = subprocess.run([binary, "bench", "--model", str(model_file), "--batch", str(batch),
                          "--seq", str(seq), "--threads", str(threads), "--runs", str(runs),
                          "--max-seconds", "1000", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def time_ort(ort_modules, onnx_file, batch, seq, threads, runs):
    # ../shared/peers/ort_time.js: median of RUNS passes, all graph optimisations on.
    env = dict(os.environ, NODE_PATH=str(ort_modules))
    out = subprocess.run(["node", str(SHARED / "peers" / "ort_time.js"), str(onnx_file),
                          str(batch), str(seq), str(threads), str(runs)],
                         check=True, capture_output=True, text=True, env=env).stdout
    return float(out.strip().splitlines()[-1])


def set_system_blas_threads(threads):
    """Debian's torch multiplies matrices through the system BLAS (OpenBLAS), whose own thread pool
    torch.set_num_threads does not govern: without this, 'one thread' of PyTorch runs on all cores."""
    with open("/proc/self/maps") as maps:
        libraries = {line.split()[-1] for line in maps if "openblas" in line and ".so" in line}
    for library in libraries:
        setter = getattr(ctypes.CDLL(library), "openblas_set_num_threads", None)
        if setter is not None:
            setter(threads)


def time_torch(model, vocab, batch, seq, threads, runs):
    torch.set_num_threads(threads)
    set_system_blas_threads(threads)
    ids = torch.randint(0, vocab, (batch, seq))
    mask, types = torch.ones_like(ids), torch.zeros_like(ids)
    times = []
    with torch.inference_mode():
        model(ids, mask, types)
        for _ in range(runs):
            start = time.perf_counter()
            model(ids, mask, types)
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def whole_process_seconds(command, env=None):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - start


def alternate(ours_command, peer_command, peer_env, runs):
    """Median seconds of `runs` whole processes of each command, the two taking turns."""
    ours, peer = [], []
    for _ in range(runs):
        ours.append(whole_process_seconds(ours_command))
        peer.append(whole_process_seconds(peer_command, peer_env))
    return statistics.median(ours), statistics.median(peer)


def startup(args, model_file, onnx_file):
    """Process start to the first 1x16 result on one thread. roformer: `roformer infer` on one
    request of 16 ids (load, one pass, output written). ONNX Runtime: ort_time.js with one timed
    pass (session creation, its warm-up pass and the timed pass), so it is charged one extra pass."""
    request = Path(args.work) / "startup_1x16.json"
    ids = [[5 + (i * 7919) % 990 for i in range(16)]]
    request.write_text(json.dumps([{"name": "first", "input_ids": ids,
                                    "attention_mask": [[1] * 16], "token_type_ids": [[0] * 16]}]))
    env = dict(os.environ, NODE_PATH=str(args.ort_modules))
    ours, peer = alternate(
        [args.roformer, "infer", "-m", str(model_file), "-i", str(request), "-o",
         str(Path(args.work) / "startup_1x16.safetensors"), "-t", "1"],
        ["node", str(SHARED / "peers" / "ort_time.js"), str(onnx_file), "1", "16", "1", "1"],
        env, args.process_runs)
    print("\nprocess start to the first 1x16 result, one thread (median of %d)" % args.process_runs)
    print(f"{'roformer s':>11} {'ORT s':>8} {'ratio':>7}")
    print(f"{ours:>11.2f} {peer:>8.2f} {ours / peer:>7.2f}", flush=True)


def reviews(args, thread_counts):
    """The main job: the 1,000 test reviews as whole processes. roformer classify starts from raw
    text (tokenization included); ONNX Runtime from the stored ids (../shared/peers/ort_reviews.js)."""
    env = dict(os.environ, NODE_PATH=str(args.ort_modules))
    texts = REPO / "tests" / "data" / "chnsenti" / "test.jsonl"
    ids = SHARED / "models" / "roformer-chnsenti-small" / "test.jsonl"
    onnx = SHARED / "peers" / "roformer-chnsenti-small.onnx"
    print("\n1,000 test reviews, whole processes (median of %d)" % args.process_runs)
    print(f"{'threads':>7} {'roformer s':>11} {'ORT s':>8} {'ratio':>7}")
    for threads in thread_counts:
        ours, peer = alternate(
            [args.roformer, "classify", "--jsonl", "--file", str(texts), "-t", str(threads)],
            ["node", str(SHARED / "peers" / "ort_reviews.js"), str(onnx), str(ids), str(threads)],
            env, args.process_runs)
        print(f"{threads:>7} {ours:>11.2f} {peer:>8.2f} {ours / peer:>7.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roformer", default=str(REPO / "build" / "tools" / "roformer"))
    parser.add_argument("--ort-modules", required=True, help="node_modules with onnxruntime-node")
    parser.add_argument("--work", default="/tmp/roformer-bench-peers", help="scratch folder")
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--runs", type=int, default=10, help="passes at 128 tokens; scaled down above")
    parser.add_argument("--threads", default="1,%d" % os.cpu_count())
    parser.add_argument("--shapes", default=",".join(f"{b}x{s}" for b, s in SHAPES))
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch eager")
    parser.add_argument("--reviews", action="store_true", help="also time the 1,000 reviews")
    parser.add_argument("--process-runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3,
                        help="turns each engine takes at each shape, interleaved")
    args = parser.parse_args()
    thread_counts = sorted({int(t) for t in args.threads.split(",")})
    shapes = [tuple(int(v) for v in shape.split("x")) for shape in args.shapes.split(",")]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    fixture = SHARED / "fixtures" / "v1_base_shapes"
    config = check_against_fixture(fixture)
    base_config, weights, checkpoint = build_base_model(fixture, config, args.layers, work)
    model_file = work / f"roformer_base_L{args.layers}.gguf"
    onnx_file = work / f"roformer_base_L{args.layers}.onnx"
    subprocess.run([args.roformer, "convert", str(checkpoint), "-o", str(model_file)], check=True,
                   stdout=subprocess.DEVNULL)
    model = RoFormer(base_config, weights).eval()
    export_onnx(model, onnx_file)
    print(f"model: {args.layers} layers, hidden 768, 12 heads, FFN 3072, vocabulary 1,000 "
          f"({model_file.stat().st_size / 1e6:.0f} MB)", flush=True)

    print(f"\n{'shape':<8} {'threads':>7} {'runs':>7} {'roformer ms':>12} {'ORT ms':>9} "
          f"{'torch ms':>9} {'vs ORT':>7} {'vs torch':>9}")
    for threads in thread_counts:
        for batch, seq in shapes:
            runs = runs_for(batch, seq, args.runs)
            # The engines take turns, round after round, so that a stretch when the shared machine
            # runs slow falls on all of them; each figure is the median of its rounds' medians.
            rounds = {"ours": [], "ort": [], "torch": []}
            for _ in range(args.rounds):
                settle()
                rounds["ours"].append(
                    time_roformer(args.roformer, model_file, batch, seq, threads, runs))
                settle()
                rounds["ort"].append(
                    time_ort(args.ort_modules, onnx_file, batch, seq, threads, runs))
                settle()
                rounds["torch"].append(math.nan if args.no_torch else time_torch(
                    model, base_config["vocab_size"], batch, seq, threads, runs))
            ours, ort, eager = (statistics.median(rounds[e]) for e in ("ours", "ort", "torch"))
            print(f"{batch}x{seq:<6} {threads:>7} {f'{args.rounds}x{runs}':>7} {ours:>12.2f} {ort:>9.2f} "
                  f"{eager:>9.2f} {ours / ort:>7.2f} {ours / eager:>9.2f}", flush=True)
    startup(args, model_file, onnx_file)
    if args.reviews:
        reviews(args, thread_counts)


if __name__ == "__main__":
    sys.exit(main())
