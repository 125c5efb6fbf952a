#!/usr/bin/python3
"""Side-by-side training throughput of mvc (GoMLX, pure-Go backend) and PyTorch on this machine.

For each model it runs `mvc bench train --model M --json` and then bench_train.py on the same
workload (random 32x32x3 images, 10 classes, the model's quick width, forward + cross-entropy +
backward + Adam), one after the other so both see the same machine, and prints a Markdown table:
images per second of wall time for each, and their ratio. NeuRN (forward, batch 256, 32x32x3) is
compared the same way with `mvc bench neurn --json` and bench_train.py --workload neurn.

Run from the repository root, with the README's build environment exported:

    export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
    /usr/bin/python3 mvc/zoo/torchbench/compare.py                 # every Table 1 model + NeuRN
    /usr/bin/python3 mvc/zoo/torchbench/compare.py --models digitnet --duration 20 --json
    /usr/bin/python3 mvc/zoo/torchbench/compare.py --models vgg19,vit --width 0.25 --kernels ''

It builds the mvc command once (`go build`), unless --mvc names a binary.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE1 = ["digitnet", "vgg19", "efficientnetb0", "densenet121", "shufflenetv2", "xception",
          "nasnetmobile", "resnet50v2", "inceptionv3", "mobilenetv2", "vit"]


def run_json(cmd):
    """Runs cmd and returns the JSON objects it printed, one per line."""
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default=",".join(TABLE1), help="comma-separated zoo models")
    p.add_argument("--duration", type=float, default=10, help="seconds per model and framework")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--width", type=float, default=0,
                   help="width multiplier of every model (default: each model's quick width, "
                        "zoo.QuickConfig's; the quick training profiles use 0.25, MobileNetV2 and ShuffleNetV2 0.5)")
    p.add_argument("--threads", type=int, default=2, help="PyTorch threads")
    p.add_argument("--kernels", default="3,5,7", help="NeuRN window sizes ('' to skip NeuRN)")
    p.add_argument("--mvc", default="", help="mvc binary (default: go build ./mvc/cmd/mvc)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON lines too")
    args = p.parse_args()

    mvc = args.mvc
    if not mvc:
        mvc = os.path.join(tempfile.mkdtemp(prefix="mvc-compare-"), "mvc")
        subprocess.run(["go", "build", "-o", mvc, "./mvc/cmd/mvc"], check=True)
    torch = [sys.executable, os.path.join(HERE, "bench_train.py")]

    rows = []
    for model in [m.strip() for m in args.models.split(",") if m.strip()]:
        width = ["--width", f"{args.width:g}"] if args.width else []
        go = run_json([mvc, "bench", "train", "--model", model, "--batch", str(args.batch),
                       "--duration", f"{args.duration}s", "--json"] + width)[0]
        # PyTorch builds the model at the width mvc reports, so both train the same network.
        th = run_json(torch + ["--models", model, "--batch", str(args.batch), "--duration",
                               str(args.duration), "--threads", str(args.threads), "--json",
                               "--width", f"{go['width']:g}"])
        row = {"workload": "train", "model": model, "width": go["width"],
               "mvc": go["images_per_second"], "mvc_cpu": go["images_per_cpu_second"],
               "torch": th[0]["images_per_second"] if th else None}
        rows.append(row)
        print(json.dumps(row) if args.json else f"# {model}: mvc {row['mvc']:.0f}, torch {row['torch']}",
              file=sys.stderr, flush=True)
    if args.kernels:
        go = run_json([mvc, "bench", "neurn", "--k", args.kernels, "--naive=false",
                       "--duration", f"{max(args.duration / 3, 1)}s", "--json"])
        th = run_json(torch + ["--workload", "neurn", "--kernels", args.kernels, "--threads",
                               str(args.threads), "--neurn-duration", str(max(args.duration / 3, 1)),
                               "--json"])
        best = {}
        for r in th:  # The faster of the two PyTorch formulations, per k.
            k = r.get("kernel")
            if k is not None and r["images_per_second"] > best.get(k, 0):
                best[k] = r["images_per_second"]
        for r in go:
            rows.append({"workload": "neurn", "model": f"NeuRN k={r['k']}", "width": None,
                         "mvc": r["images_per_second"], "mvc_cpu": r["images_per_cpu_second"],
                         "torch": best.get(r["k"])})

    print("| workload | width | mvc images/s | PyTorch images/s | mvc / PyTorch |")
    print("|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['mvc'] / r['torch']:.2f}x" if r["torch"] else "no torchvision model"
        torch_s = f"{r['torch']:,.0f}" if r["torch"] else "-"
        width = "" if r["width"] is None else f"{r['width']:g}"
        print(f"| {r['model']} | {width} | {r['mvc']:,.0f} | {torch_s} | {ratio} |")
    if args.json:
        for r in rows:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
