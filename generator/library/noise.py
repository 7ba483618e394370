"""Seeded, tileable noise for procedural textures and skies (spectral synthesis; no global RNG)."""
from __future__ import annotations

import numpy as np


def fbm(rng: np.random.Generator, h: int, w: int, beta: float = 2.0, low: float = 1.0) -> np.ndarray:
    """Periodic fractal noise of shape (h, w) in [0, 1]: white noise shaped by a 1/f^(beta/2) spectrum.

    ``low`` is the lowest kept frequency in cycles per image (larger = smaller features).
    """
    white = rng.standard_normal((h, w))
    fy = np.fft.fftfreq(h)[:, None] * h
    fx = np.fft.rfftfreq(w)[None, :] * w
    f = np.sqrt(fx ** 2 + fy ** 2)
    amp = np.where(f >= low, np.maximum(f, 1e-6) ** (-beta / 2), 0.0)
    n = np.fft.irfft2(np.fft.rfft2(white) * amp, s=(h, w))
    lo, hi = np.percentile(n, 0.5), np.percentile(n, 99.5)
    return np.clip((n - lo) / (hi - lo + 1e-12), 0.0, 1.0)


def band_noise(rng: np.random.Generator, h: int, w: int, freq: float, width: float = 0.5) -> np.ndarray:
    """Periodic noise with features of about ``freq`` cycles per image (a band-pass), in [0, 1]."""
    white = rng.standard_normal((h, w))
    fy = np.fft.fftfreq(h)[:, None] * h
    fx = np.fft.rfftfreq(w)[None, :] * w
    f = np.sqrt(fx ** 2 + fy ** 2)
    amp = np.exp(-0.5 * (np.log(np.maximum(f, 1e-6) / freq) / width) ** 2)
    amp[0, 0] = 0.0
    n = np.fft.irfft2(np.fft.rfft2(white) * amp, s=(h, w))
    lo, hi = np.percentile(n, 0.5), np.percentile(n, 99.5)
    return np.clip((n - lo) / (hi - lo + 1e-12), 0.0, 1.0)


def noise1d(rng: np.random.Generator, n: int, beta: float = 2.0, low: float = 1.0) -> np.ndarray:
    """Periodic 1-D fractal noise of length n in [0, 1]."""
    return fbm(rng, 1, n, beta, low)[0] if n > 1 else np.zeros(1)


def sample_wrap(tex: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Bilinear lookup of a periodic 2-D array at texel coordinates (u along columns, v along rows)."""
    h, w = tex.shape[:2]
    u0 = np.floor(u)
    v0 = np.floor(v)
    fu, fv = u - u0, v - v0
    u0 = u0.astype(np.int64) % w
    v0 = v0.astype(np.int64) % h
    u1, v1 = (u0 + 1) % w, (v0 + 1) % h
    if tex.ndim == 3:
        fu, fv = fu[..., None], fv[..., None]
    return ((tex[v0, u0] * (1 - fu) + tex[v0, u1] * fu) * (1 - fv)
            + (tex[v1, u0] * (1 - fu) + tex[v1, u1] * fu) * fv)
