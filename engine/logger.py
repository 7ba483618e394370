"""MetricLogger: running averages printed every N steps (tracking: common/tracking.py)."""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from typing import Any, Iterable, Iterator

log = logging.getLogger('engine')


class AverageMeter:
    """Sum and count of a scalar; ``avg`` over everything seen, ``last`` the latest value."""

    def __init__(self) -> None:
        self.total, self.count, self.last = 0.0, 0, 0.0

    def update(self, value: float, n: int = 1) -> None:
        self.last = float(value)
        self.total += float(value) * n
        self.count += n

    @property
    def avg(self) -> float:
        return self.total / max(self.count, 1)


class MetricLogger:
    """Wraps an iterable; ``update(**metrics)`` per step; prints every ``print_freq`` steps with img/s."""

    def __init__(self, header: str = '', print_freq: int = 25, enabled: bool = True):
        self.meters: dict[str, AverageMeter] = defaultdict(AverageMeter)
        self.header, self.print_freq, self.enabled = header, max(1, print_freq), enabled
        self.samples = 0
        self.elapsed = 0.0

    def update(self, n: int = 1, **metrics: float) -> None:
        for k, v in metrics.items():
            self.meters[k].update(v, n)

    def averages(self) -> dict[str, float]:
        return {k: m.avg for k, m in self.meters.items()}

    def log_every(self, iterable: Iterable, batch_size_of=len) -> Iterator:
        total = len(iterable) if hasattr(iterable, '__len__') else None
        start = time.perf_counter()
        try:
            for i, batch in enumerate(iterable):
                yield batch
                self.samples += batch_size_of(batch[0]) if isinstance(batch, (list, tuple)) else 0
                if self.enabled and (i % self.print_freq == 0 or (total and i == total - 1)):
                    rate = self.samples / max(time.perf_counter() - start, 1e-9)
                    stats = '  '.join(f'{k} {m.last:.4f} ({m.avg:.4f})' for k, m in self.meters.items())
                    log.info('%s [%d/%s]  %s  %.1f img/s', self.header, i, total or '?', stats, rate)
        finally:
            self.elapsed = time.perf_counter() - start

    @property
    def throughput(self) -> float:
        return self.samples / max(self.elapsed, 1e-9)
