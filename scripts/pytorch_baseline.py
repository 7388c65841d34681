#!/usr/bin/env python3
"""PyTorch baseline for `a3c bench nn`: the same nets and the same work, one thread.

forward_b1_ms: one forward pass at batch 1 (acting).
update_b20_ms: forward at batch 20 + backward + clip by global norm 40 + Adam step.
Prints one JSON object per net. Needs torch (Debian: apt-get install python3-torch).
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(1)


def make_net(filters1, filters2, hidden, actions=3):
    return nn.Sequential(
        nn.Conv2d(4, filters1, 8, stride=4), nn.ReLU(),
        nn.Conv2d(filters1, filters2, 4, stride=2), nn.ReLU(),
        nn.Flatten(), nn.Linear(filters2 * 9 * 9, hidden), nn.ReLU(),
        nn.Linear(hidden, actions + 1),
    )


def median_ms(fn, seconds):
    for _ in range(3):
        fn()
    samples, end = [], time.perf_counter() + seconds
    while len(samples) < 5 or time.perf_counter() < end:
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def bench(name, net, seconds):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    x1, x20 = torch.rand(1, 4, 84, 84), torch.rand(20, 4, 84, 84)
    weights = torch.rand(20, 4) - 0.5

    def forward():
        with torch.no_grad():
            net(x1)

    def update():
        optimizer.zero_grad()
        (net(x20) * weights).sum().backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 40.0)
        optimizer.step()

    return {
        "net": name, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "forward_b1_ms": median_ms(forward, seconds), "update_b20_ms": median_ms(update, seconds),
    }


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    print(json.dumps(bench("reference", make_net(32, 64, 512), seconds)))
    print(json.dumps(bench("small", make_net(16, 32, 256), seconds)))
