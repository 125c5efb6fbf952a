#!/usr/bin/python3
"""PyTorch CPU benchmark of the mvc model zoo's workloads (mvc/zoo), for "mvc vs PyTorch".

Two workloads, on random data with fixed seeds:

train   For each model at the Go zoo's quick configuration (zoo.QuickConfig: 32x32x3 images,
        10 classes, the model's quick width), one training step on a batch of B images =
        forward + softmax cross-entropy + backward + Adam(lr 1e-3) update, as the Go benchmark
        BenchmarkTrainQuick (mvc/zoo/bench_test.go). A few untimed warm-up steps, then steps for
        --duration seconds; reports images per second of wall time and images per CPU second
        (time.process_time(): user + system time of all this process's threads).
neurn   NeuRN (mvc/neurn) forward only on a batch of 256 images 32x32x3 for k = 3, 5, 7, as
        BenchmarkNeuRN (mvc/neurn/bench_test.go), with two box-filter formulations.

Images are NCHW here (the Go side is NHWC). Models smaller than their minimum input are resized up
bilinearly (half-pixel centres) inside the model, as the Go zoo does (AlexNet 63, InceptionV3 75).
See README.md beside this file for how each torch model maps to the Go one.

Run it with Debian's python (python3-torch 1.13, python3-torchvision 0.14):

    /usr/bin/python3 mvc/zoo/torchbench/bench_train.py --models digitnet --duration 10
"""

import argparse
import json
import math
import os
import sys
import time
from functools import partial

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
    from torchvision.models import densenet, efficientnet, inception, mobilenetv2, resnet, shufflenetv2, vgg
    from torchvision.models import vision_transformer
except ImportError as err:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        f"bench_train.py: cannot import PyTorch/torchvision ({err}).\n"
        "Run it with a python that has them, e.g. Debian's: /usr/bin/python3 "
        "(apt-get install python3-torch python3-torchvision).\n"
    )
    sys.exit(2)

CLASSES = 10
INPUT = 32
CHANNELS = 3


def ch(c, width):
    """The Go zoo's builder.ch: c * width rounded to the nearest integer (halves away from
    zero, as Go's math.Round; Python's round() rounds halves to even), at least 1."""
    return max(1, int(math.floor(c * width + 0.5)))


class Resize(nn.Module):
    """Bilinear resize (half-pixel centres, as nn.ResizeBilinear in Go) to size x size."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def forward(self, x):
        return F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)


# ---------------------------------------------------------------------------------------------
# Models. Each builder takes (width, classes, size), size being the image size the network sees
# (after the up-resize), and returns an nn.Module on NCHW images.


def build_digitnet(width, classes, size):
    """mvc/zoo/digitnet.go exactly: conv 64 5x5 valid (bias), 2x2 max pool, ReLU; conv 128 5x5
    valid, 2x2 max pool, ReLU; flatten; fc 1024 + ReLU, fc 1024 + ReLU, fc classes. (Go computes
    ReLU-then-pool as pool-then-ReLU, the same values and gradients; so does this.)"""
    c1, c2, f = ch(64, width), ch(128, width), ch(1024, width)
    s = ((size - 4) // 2 - 4) // 2
    return nn.Sequential(
        nn.Conv2d(CHANNELS, c1, 5), nn.MaxPool2d(2), nn.ReLU(inplace=True),
        nn.Conv2d(c1, c2, 5), nn.MaxPool2d(2), nn.ReLU(inplace=True),
        nn.Flatten(),
        nn.Linear(c2 * s * s, f), nn.ReLU(inplace=True),
        nn.Linear(f, f), nn.ReLU(inplace=True),
        nn.Linear(f, classes),
    )


def build_vgg19(width, classes, size):
    """torchvision's VGG with configuration E (vgg.make_layers, channels scaled by the width as
    Go's ch) for the features. The head is Keras' (which the Go zoo follows): flatten the
    (size/32)^2 x 512w map, fc 4096w + ReLU, fc 4096w + ReLU, fc classes, no dropout; torchvision's
    own head would first average-pool to 7x7 (49 copies of the 1x1 map at 32x32) and use dropout."""
    cfg = [v if v == "M" else ch(v, width) for v in vgg.cfgs["E"]]
    model = vgg.VGG(vgg.make_layers(cfg), num_classes=classes)
    s = size // 32
    f = ch(4096, width)
    model.avgpool = nn.Identity()
    model.classifier = nn.Sequential(
        nn.Linear(cfg[-2] * s * s, f), nn.ReLU(inplace=True),
        nn.Linear(f, f), nn.ReLU(inplace=True),
        nn.Linear(f, classes),
    )
    return model


def build_alexnet(width, classes, size):
    """torchvision's AlexNet (its forward: features, adaptive average pool 6x6, classifier with
    dropout 0.5) with its layers rebuilt at the width (torchvision has no width option); the same
    layers as mvc/zoo/alexnet.go."""
    c = [ch(v, width) for v in (64, 192, 384, 256, 256)]
    f = ch(4096, width)
    model = torchvision.models.AlexNet(num_classes=classes, dropout=0.5)
    model.features = nn.Sequential(
        nn.Conv2d(CHANNELS, c[0], kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c[0], c[1], kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c[1], c[2], kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c[2], c[3], kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c[3], c[4], kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )
    model.classifier = nn.Sequential(
        nn.Dropout(p=0.5), nn.Linear(c[4] * 6 * 6, f), nn.ReLU(inplace=True),
        nn.Dropout(p=0.5), nn.Linear(f, f), nn.ReLU(inplace=True),
        nn.Linear(f, classes),
    )
    return model


class ScaledResNet(nn.Module):
    """torchvision's ResNet (same stem, stages, forward) built from torchvision's BasicBlock or
    Bottleneck with every width scaled (torchvision's ResNet hard-codes 64 stem channels)."""

    def __init__(self, block, layers, width, classes):
        super().__init__()
        self.inplanes = ch(64, width)
        self.conv1 = nn.Conv2d(CHANNELS, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        stages = []
        for i, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stages.append(self._make_layer(block, ch(planes, width), blocks, 1 if i == 0 else 2))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.inplanes, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, block, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                resnet.conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_resnet18(width, classes, size):
    """torchvision's resnet18 (BasicBlock, [2, 2, 2, 2]) at the width: as mvc/zoo/resnet.go."""
    return ScaledResNet(resnet.BasicBlock, [2, 2, 2, 2], width, classes)


def build_resnet50v2(width, classes, size):
    """torchvision has ResNet v1 only (resnet50, "v1.5": stride in the 3x3 convolution), not
    Keras' ResNet50V2 that the Go zoo builds. This is torchvision's resnet50 (Bottleneck, [3, 4,
    6, 3]) at the width: the same stages, channels and bottleneck convolutions, but
    post-activation instead of pre-activation, downsampling in the first block of stages 2-4
    instead of the last block of stages 1-3, batch-normalized 1x1 projection shortcuts, no conv
    biases and no final batch normalization; so its parameter count and FLOPs differ a little."""
    return ScaledResNet(resnet.Bottleneck, [3, 4, 6, 3], width, classes)


def build_densenet121(width, classes, size):
    """torchvision's DenseNet with DenseNet121's blocks, growth rate 32w and 64w stem filters
    (bottleneck 4x growth, transitions halving): as mvc/zoo/densenet.go."""
    return densenet.DenseNet(growth_rate=ch(32, width), block_config=(6, 12, 24, 16),
                             num_init_features=ch(64, width), bn_size=4, drop_rate=0, num_classes=classes)


def build_mobilenetv2(width, classes, size):
    """torchvision's mobilenet_v2 with width_mult (its _make_divisible rounding is Keras'). Dropout
    0 before the classifier, as Keras (torchvision's default is 0.2)."""
    return mobilenetv2.MobileNetV2(num_classes=classes, width_mult=width, dropout=0.0)


def build_efficientnetb0(width, classes, size):
    """torchvision's EfficientNet with efficientnet_b0's configuration at width_mult = width
    (torchvision's private _efficientnet_conf; the public efficientnet_b0 has no width option):
    dropout 0.2, stochastic depth 0.2, as Keras and mvc/zoo/efficientnet.go."""
    setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=width, depth_mult=1.0)
    return efficientnet.EfficientNet(setting, dropout=0.2, stochastic_depth_prob=0.2,
                                     num_classes=classes, last_channel=last)


def build_inceptionv3(width, classes, size):
    """torchvision's Inception3 (no auxiliary head, no input transform, dropout 0 as Keras) with
    every BasicConv2d's channels scaled (its blocks take a conv_block; the 3 image channels stay
    3). Differs from Keras' (and Go's): batch normalization has a learned scale (Keras:
    scale=False) and the branch average pools count the padding (same cost)."""

    def conv_block(in_channels, out_channels, **kwargs):
        cin = in_channels if in_channels == CHANNELS else ch(in_channels, width)
        return inception.BasicConv2d(cin, ch(out_channels, width), **kwargs)

    blocks = [conv_block] + [partial(b, conv_block=conv_block) for b in (
        inception.InceptionA, inception.InceptionB, inception.InceptionC,
        inception.InceptionD, inception.InceptionE, inception.InceptionAux)]
    model = inception.Inception3(num_classes=classes, aux_logits=False, transform_input=False,
                                 inception_blocks=blocks, init_weights=True, dropout=0.0)
    model.fc = nn.Linear(ch(2048, width), classes)
    return model


def build_shufflenetv2(width, classes, size):
    """torchvision's ShuffleNetV2 with stages [4, 8, 4] and the Go zoo's channels: stem 24w,
    stages 116w, 232w, 464w rounded to even, last 1024 (2048 above width 1.5)."""
    stages = [2 * max(1, int(c * width / 2 + 0.5)) for c in (116, 232, 464)]
    out = [ch(24, width)] + stages + [1024 if width <= 1.5 else 2048]
    return shufflenetv2.ShuffleNetV2([4, 8, 4], out, num_classes=classes)


def build_vit(width, classes, size):
    """torchvision's VisionTransformer as ViT-B/16 (patch 16, 12 layers, 12 heads, dropout 0.1,
    layer norm eps 1e-6) with hidden size 12 * round(64w) and MLP 4x it: as mvc/zoo/vit.go."""
    hidden = 12 * max(1, int(math.floor(64 * width + 0.5)))
    return vision_transformer.VisionTransformer(
        image_size=size, patch_size=16, num_layers=12, num_heads=12, hidden_dim=hidden,
        mlp_dim=4 * hidden, dropout=0.1, attention_dropout=0.0, num_classes=classes)


# name: (builder, quick width, minimum input, full input, Go match, Go trainable params at the
# quick config, Go trainable params at the full config). The Go counts are reference values from
# zoo.New(name, zoo.QuickConfig(name) / zoo.FullConfig(name)).NumParams() on 2026-12-06 (the
# full ones are `mvc zoo list`'s "trainable" column); re-derive them if the Go zoo changes.
MODELS = {
    "alexnet": (build_alexnet, 0.125, 63, 224, "exact", 899378, 61100840),
    "densenet121": (build_densenet121, 0.25, 32, 224, "exact", 454634, 7978856),
    "digitnet": (build_digitnet, 1.0, 16, 32, "exact", 4547466, 5562216),
    "efficientnetb0": (build_efficientnetb0, 0.25, 32, 224, "exact", 328956, 5288548),
    "inceptionv3": (build_inceptionv3, 0.25, 75, 299, "differs", 1369042, 23817352),
    "mobilenetv2": (build_mobilenetv2, 0.25, 32, 224, "exact", 250922, 3504872),
    "resnet18": (build_resnet18, 0.25, 1, 224, "exact", 703386, 11689512),
    "resnet50v2": (build_resnet50v2, 0.25, 32, 224, "differs (v1)", 1488938, 25568360),
    "shufflenetv2": (build_shufflenetv2, 0.25, 1, 224, "exact", 186740, 2278604),
    "vgg19": (build_vgg19, 0.125, 32, 224, "exact", 614738, 143667240),
    "vit": (build_vit, 0.125, 16, 224, "exact", 1417642, 86567656),
}

# Go zoo architectures torchvision 0.14 has no model for.
UNSUPPORTED = {
    "nasnetmobile": "torchvision 0.14 has no NASNet; skipped",
    "xception": "torchvision 0.14 has no Xception; skipped",
}


def build(name, width=None, classes=CLASSES, input_size=INPUT):
    """Returns (model, width, size seen by the network) for the named model; width None means the
    quick width. Images smaller than the minimum input are resized up first, as in Go."""
    builder, quick_width, min_input = MODELS[name][:3]
    width = quick_width if width is None else width
    size = max(input_size, min_input)
    model = builder(width, classes, size)
    if size > input_size:
        model = nn.Sequential(Resize(size), model)
    return model, width, size


def blas_library():
    """The BLAS library this process has loaded (Linux: from /proc/self/maps, after a matrix
    product), or "unknown". Debian's python3-torch uses the system's libblas.so.3 alternative for
    nn.Linear's products: the reference (netlib) BLAS of libblas3 is several times slower than
    OpenBLAS; convolutions use oneDNN either way."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    libs = sorted({os.path.realpath(lib) for lib in libs})
    return ", ".join(libs) if libs else "unknown (none loaded, or linked statically)"


def trainable_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---------------------------------------------------------------------------------------------
# Timing.


def time_loop(step, duration, warmup):
    """Runs step warmup times untimed, then until duration seconds of wall time have passed (at
    least once). Returns (steps, wall seconds, CPU seconds, fastest step's wall seconds): on a
    machine shared with other work the fastest step varies least."""
    for _ in range(warmup):
        step()
    steps, best = 0, math.inf
    w0, c0 = time.perf_counter(), time.process_time()
    last = w0
    while True:
        step()
        steps += 1
        now = time.perf_counter()
        best, last = min(best, now - last), now
        if now - w0 >= duration:
            break
    return steps, now - w0, time.process_time() - c0, best


def bench_train(name, args):
    torch.manual_seed(args.seed)
    model, width, size = build(name, width=args.width)
    model.train()
    params = trainable_params(model)
    gen = torch.Generator().manual_seed(args.seed)
    images = torch.rand(args.batch, CHANNELS, INPUT, INPUT, generator=gen)
    labels = torch.randint(0, CLASSES, (args.batch,), generator=gen)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        opt.step()

    steps, wall, cpu, best = time_loop(step, args.duration, args.warmup)
    n = steps * args.batch
    return {
        "model": name, "workload": "train", "batch": args.batch, "params": params,
        "images_per_second": n / wall, "images_per_cpu_second": n / cpu if cpu > 0 else None,
        "best_step_images_per_second": args.batch / best, "steps": steps, "seconds": wall,
        "cpu_seconds": cpu, "threads": args.threads,
        "width": width, "input": INPUT, "model_input": size,
        # The Go zoo's parameter count is recorded for the quick width only.
        "go_params": MODELS[name][5] if width == MODELS[name][1] else None,
        "go_match": MODELS[name][4] if width == MODELS[name][1] else "-", "torch": torch.__version__,
        "blas": args.blas,
    }


# ---------------------------------------------------------------------------------------------
# NeuRN: per channel, the population standard deviation of each pixel's k x k window (stride 1,
# windows cut at the borders), divided by the image's maximum over all positions and channels
# (floored at 1e-6). Both formulations first subtract each image-channel's top-left pixel (as
# mvc/neurn does): it leaves every standard deviation unchanged and avoids the cancellation of
# E[x^2] - E[x]^2 on flat windows.

NEURN_FLOOR = 1e-6


def _normalize(var):
    sigma = var.clamp_min_(0).sqrt_()
    m = sigma.amax(dim=(1, 2, 3), keepdim=True).clamp_min_(NEURN_FLOOR)
    return sigma / m


def neurn_avgpool(x, k):
    """float32 box means with avg_pool2d(count_include_pad=False): cut windows divide by the
    count of pixels inside."""
    r = k // 2
    d = x - x[:, :, :1, :1]
    mean = F.avg_pool2d(d, k, stride=1, padding=r, count_include_pad=False)
    mean_sq = F.avg_pool2d(d * d, k, stride=1, padding=r, count_include_pad=False)
    return _normalize(mean_sq - mean * mean).to(x.dtype)


def _box_sum(x, k):
    """Sums over each pixel's k x k window (cut at the borders) by 2D cumulative sums."""
    r = k // 2
    h, w = x.shape[-2:]
    c = F.pad(x, (r + 1, r, r + 1, r)).cumsum(-2).cumsum(-1)
    return c[..., k:k + h, k:k + w] - c[..., :h, k:k + w] - c[..., k:k + h, :w] + c[..., :h, :w]


def neurn_cumsum64(x, k):
    """Box sums by cumulative sums in float64, mvc/neurn's formulation (O(H W) whatever k)."""
    d = (x - x[:, :, :1, :1]).double()
    h, w = x.shape[-2:]
    count = _box_sum(torch.ones(1, 1, h, w, dtype=torch.float64), k)
    mean = _box_sum(d, k) / count
    mean_sq = _box_sum(d * d, k) / count
    return _normalize(mean_sq - mean * mean).to(x.dtype)


NEURN_IMPLS = {"avgpool": neurn_avgpool, "cumsum64": neurn_cumsum64}


def neurn_naive(x, k):
    """The specification window by window, in float64 (the check's oracle)."""
    x = x.double()
    n, c, h, w = x.shape
    r = k // 2
    sigma = torch.zeros_like(x)
    for i in range(h):
        for j in range(w):
            win = x[:, :, max(0, i - r):i + r + 1, max(0, j - r):j + r + 1]
            sigma[:, :, i, j] = win.reshape(n, c, -1).std(dim=-1, unbiased=False)
    return sigma / sigma.amax(dim=(1, 2, 3), keepdim=True).clamp_min(NEURN_FLOOR)


def check_neurn(kernels):
    """Checks both formulations against the naive one on small random images and a flat one."""
    gen = torch.Generator().manual_seed(7)
    x = torch.rand(2, 3, 9, 11, generator=gen)
    x[1] = 0.5  # a blank image maps to zeros
    for k in kernels:
        want = neurn_naive(x, k)
        for impl, fn in NEURN_IMPLS.items():
            err = (fn(x, k).double() - want).abs().max().item()
            if not err < 1e-4:
                raise SystemExit(f"bench_train.py: NeuRN {impl} k={k} differs from the naive "
                                 f"definition by {err:g}")


def bench_neurn(args):
    check_neurn(args.kernels)
    gen = torch.Generator().manual_seed(args.seed)
    batch = args.neurn_batch
    x = torch.rand(batch, CHANNELS, INPUT, INPUT, generator=gen)
    results = []
    for impl, fn in NEURN_IMPLS.items():
        for k in args.kernels:
            def step():
                with torch.no_grad():
                    fn(x, k)
            steps, wall, cpu, best = time_loop(step, args.neurn_duration, 3)
            n = steps * batch
            results.append({
                "model": "neurn", "workload": "neurn", "impl": impl, "kernel": k, "batch": batch,
                "params": 0, "images_per_second": n / wall,
                "images_per_cpu_second": n / cpu if cpu > 0 else None,
                "best_step_images_per_second": batch / best,
                "steps": steps, "seconds": wall, "cpu_seconds": cpu, "threads": args.threads,
                "input": INPUT, "torch": torch.__version__, "blas": args.blas,
            })
            yield results[-1]


# ---------------------------------------------------------------------------------------------
# Command line.


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="PyTorch CPU training throughput of the mvc zoo's quick models (and NeuRN "
                    "forward throughput), to compare with the Go benchmarks (mvc/zoo/bench_test.go, "
                    "mvc/neurn/bench_test.go).")
    p.add_argument("--models", default="all",
                   help="comma-separated model names, or 'all' (default: every supported model). "
                        "Supported: " + ", ".join(sorted(MODELS)) + "; no torchvision model "
                        "(skipped with a note): " + ", ".join(sorted(UNSUPPORTED)))
    p.add_argument("--workload", choices=("train", "neurn", "all"), default="train",
                   help="train: training steps of each model; neurn: NeuRN forward; all: both "
                        "(default: train)")
    p.add_argument("--batch", type=int, default=256, help="training batch size (default 256)")
    p.add_argument("--duration", type=float, default=10.0,
                   help="seconds of timed training steps per model, after the warm-up "
                        "(default 10; a model runs at least one timed step)")
    p.add_argument("--warmup", type=int, default=2, help="untimed training steps first (default 2)")
    p.add_argument("--width", type=float, default=None,
                   help="width multiplier of every model (default: each model's quick width, as "
                        "zoo.QuickConfig's)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--seed", type=int, default=1, help="seed of the weights and data (default 1)")
    p.add_argument("--kernels", default="3,5,7", help="NeuRN window sizes (odd; default 3,5,7)")
    p.add_argument("--neurn-batch", type=int, default=256, help="NeuRN batch (default 256)")
    p.add_argument("--neurn-duration", type=float, default=None,
                   help="seconds per NeuRN measurement (default: --duration / 5, at least 1)")
    p.add_argument("--params-only", action="store_true",
                   help="print the trainable parameter counts at the quick configuration and at "
                        "full size (width 1, 1,000 classes, full input: compare with `mvc zoo "
                        "list`'s trainable column) and exit; trains nothing")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per result line (notes go to stderr)")
    args = p.parse_args(argv)

    def fail(msg):
        p.print_usage(sys.stderr)
        sys.stderr.write(f"{p.prog}: error: {msg}\n")
        sys.exit(2)

    names = [n.strip().lower() for n in args.models.split(",") if n.strip()]
    if not names:
        fail("--models is empty")
    unknown = [n for n in names if n != "all" and n not in MODELS and n not in UNSUPPORTED]
    if unknown:
        fail(f"unknown model {', '.join(repr(n) for n in unknown)}; known models: "
             f"{', '.join(sorted(MODELS))} (and, without a torchvision model, "
             f"{', '.join(sorted(UNSUPPORTED))}), or all")
    if "all" in names:  # every supported model, in the Go zoo's order, plus notes on the others
        names = sorted(set(names) - {"all"} | set(MODELS) | set(UNSUPPORTED))
    args.models = [n for n in dict.fromkeys(names) if n in MODELS]
    args.skipped = [n for n in dict.fromkeys(names) if n in UNSUPPORTED]
    try:
        args.kernels = [int(k) for k in args.kernels.split(",")]
    except ValueError:
        fail(f"--kernels must be comma-separated integers, got {args.kernels!r}")
    if any(k < 1 or k % 2 == 0 for k in args.kernels):
        fail(f"--kernels must be odd and >= 1, got {args.kernels}")
    for flag in ("batch", "threads", "neurn_batch"):
        if getattr(args, flag) < 1:
            fail(f"--{flag.replace('_', '-')} must be >= 1")
    if args.width is not None and not args.width > 0:
        fail(f"--width must be > 0, got {args.width}")
    if args.warmup < 0 or not args.duration > 0:
        fail("--warmup must be >= 0 and --duration > 0")
    if args.neurn_duration is None:
        args.neurn_duration = max(1.0, args.duration / 5)
    if not args.neurn_duration > 0:
        fail("--neurn-duration must be > 0")
    return args


def fmt(v, digits=1):
    return "-" if v is None else f"{v:,.{digits}f}"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch.set_num_threads(args.threads)
    args.blas = blas_library()
    out = sys.stdout

    def note(msg):
        (sys.stderr if args.json else out).write(msg + "\n")

    for name in args.skipped if args.params_only or args.workload != "neurn" else []:
        note(f"note: {name}: {UNSUPPORTED[name]}")

    if args.params_only:
        if not args.json:
            out.write(f"{'model':<15} {'go match':<13} {'quick torch':>12} {'quick go':>12} "
                      f"{'full torch':>12} {'full go':>12}\n")
        for name in args.models:
            spec = MODELS[name]
            torch.manual_seed(args.seed)
            quick = trainable_params(build(name)[0])
            full = trainable_params(build(name, width=1.0, classes=1000, input_size=spec[3])[0])
            row = {"model": name, "workload": "params", "params": quick, "go_params": spec[5],
                   "full_params": full, "go_full_params": spec[6], "go_match": spec[4]}
            if args.json:
                out.write(json.dumps(row) + "\n")
            else:
                out.write(f"{name:<15} {spec[4]:<13} {quick:>12,} {spec[5]:>12,} {full:>12,} {spec[6]:>12,}\n")
            out.flush()
        return 0

    if not args.json:
        out.write(f"# torch {torch.__version__}, torchvision {torchvision.__version__}, "
                  f"{args.threads} thread(s), seed {args.seed}, BLAS {args.blas}\n")
    if args.workload in ("train", "all") and args.models:
        if not args.json:
            out.write(f"\ntraining (forward + cross-entropy + backward + Adam), batch {args.batch}, "
                      f"32x32x3 -> 10 classes, {args.duration:g} s per model after {args.warmup} "
                      f"warm-up steps\n")
            out.write(f"{'model':<15} {'width':>6} {'input':>6} {'params':>11} {'go params':>11} "
                      f"{'go match':<13} {'steps':>5} {'images/s':>9} {'images/cpu-s':>12} {'best step':>9}\n")
            out.flush()
        for name in args.models:
            r = bench_train(name, args)
            if args.json:
                out.write(json.dumps(r) + "\n")
            else:
                out.write(f"{name:<15} {r['width']:>6g} {r['model_input']:>6} {r['params']:>11,} "
                          f"{fmt(r['go_params'], 0):>11} {r['go_match']:<13} {r['steps']:>5} "
                          f"{fmt(r['images_per_second']):>9} {fmt(r['images_per_cpu_second']):>12} "
                          f"{fmt(r['best_step_images_per_second']):>9}\n")
            out.flush()
    if args.workload in ("neurn", "all"):
        if not args.json:
            out.write(f"\nNeuRN forward, batch {args.neurn_batch}, 32x32x3, "
                      f"{args.neurn_duration:g} s each\n")
            out.write(f"{'impl':<10} {'k':>3} {'steps':>6} {'images/s':>11} {'images/cpu-s':>13} {'best step':>10}\n")
            out.flush()
        for r in bench_neurn(args):
            if args.json:
                out.write(json.dumps(r) + "\n")
            else:
                out.write(f"{r['impl']:<10} {r['kernel']:>3} {r['steps']:>6} "
                          f"{fmt(r['images_per_second'], 0):>11} {fmt(r['images_per_cpu_second'], 0):>13} "
                          f"{fmt(r['best_step_images_per_second'], 0):>10}\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
