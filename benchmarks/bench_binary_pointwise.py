"""The pointwise part of the binary loss: today's passes against fewer passes.

Usage::

    python benchmarks/bench_binary_pointwise.py [--rows N] [--runs N]

For few features the work around the two products dominates one evaluation of
the binary loss (``bench_evaluation.py``: 2.8–4.2× the bare products at d = 5
and 20). Today's pointwise part (``BinomialLoss._pointwise``) makes about twelve
passes over the logits. The prototype below makes five (six with sample
weights), with the same formulas; a third shares one ``exp(−|z|)`` between the
loss and the sigmoid (two transcendental passes instead of three):

.. code-block:: text

    Σ_i s_i [log(1 + e^{z_i}) − y_i z_i] = Σ_i s_i softplus(z_i) − (s ∘ y) · z
    r_i = s_i (σ(z_i) − y_i)

``np.logaddexp(0, z)`` is softplus without overflow; ``(s ∘ y) · z`` is one
dot product (``s ∘ y`` held once); ``σ`` overwrites ``z`` in place and the
weights are skipped when all are one. Both versions are checked to agree to
1e-12 and timed alternated; the load average is printed (noisy machine).
"""

import argparse
import os
import time

import numpy as np
from scipy.special import expit


def current(Z, Y, sw):
    losses = np.maximum(Z, 0) - Y * Z
    losses += np.log1p(np.exp(-np.abs(Z)))
    losses *= sw
    loss = losses.sum(axis=1, dtype=np.float64)
    expit(Z, out=Z)
    Z -= Y
    Z *= sw
    return loss


def fewer_passes(Z, Y, sw, sw_y, unit_weights):
    softplus = np.logaddexp(0.0, Z)
    if unit_weights:
        loss = softplus.sum(axis=1, dtype=np.float64)
    else:
        loss = np.einsum("lm,lm->l", softplus, sw, dtype=np.float64)
    loss -= np.einsum("lm,lm->l", sw_y, Z, dtype=np.float64)
    expit(Z, out=Z)
    Z -= Y
    if not unit_weights:
        Z *= sw
    return loss


def _shared_exp_loss(Z, sw, sw_y, unit_weights):
    """The loss from e = exp(−|z|): ``(e, terms, loss)``, ``terms`` free to reuse."""
    e = np.abs(Z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    terms = np.log1p(e)
    terms += np.maximum(Z, 0)
    if unit_weights:
        loss = terms.sum(axis=1, dtype=np.float64)
    else:
        loss = np.einsum("lm,lm->l", terms, sw, dtype=np.float64)
    loss -= np.einsum("lm,lm->l", sw_y, Z, dtype=np.float64)
    return e, terms, loss


def shared_exp(Z, Y, sw, sw_y, unit_weights):
    # Two transcendental passes instead of three: e = exp(−|z|) serves both
    # log(1 + e^z) = max(z, 0) + log1p(e) and σ(z) = (1 if z ≥ 0 else e) / (1 + e)
    # (each branch free of cancellation, so tiny probabilities keep their digits).
    e, terms, loss = _shared_exp_loss(Z, sw, sw_y, unit_weights)
    np.add(e, 1.0, out=terms)
    np.copyto(e, 1.0, where=Z >= 0)
    np.divide(e, terms, out=Z)
    Z -= Y
    if not unit_weights:
        Z *= sw
    return loss


def shared_exp_copysign(Z, Y, sw, sw_y, unit_weights):
    # As shared_exp, with σ(z) = ½ + copysign(½ − e / (1 + e), z): no mask, but
    # σ of very negative z loses its relative precision (absolute error ≤ eps/2).
    e, terms, loss = _shared_exp_loss(Z, sw, sw_y, unit_weights)
    np.add(e, 1.0, out=terms)
    np.divide(e, terms, out=e)
    np.subtract(0.5, e, out=e)
    np.copysign(e, Z, out=Z)
    Z += 0.5
    Z -= Y
    if not unit_weights:
        Z *= sw
    return loss


VERSIONS = {
    "current": current,
    "fewer passes": fewer_passes,
    "shared exp": shared_exp,
    "shared exp, copysign": shared_exp_copysign,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for unit_weights in (True, False):
        Z0 = rng.normal(0.0, 3.0, (1, args.rows))
        Y = (rng.random((1, args.rows)) < 0.4).astype(np.float64)
        sw = np.ones((1, args.rows)) if unit_weights else rng.random((1, args.rows))
        sw_y = sw * Y
        A = Z0.copy()
        expected = current(A, Y, sw)
        for version in (fewer_passes, shared_exp, shared_exp_copysign):
            B = Z0.copy()
            loss = version(B, Y, sw, sw_y, unit_weights)
            np.testing.assert_allclose(loss, expected, rtol=1e-12)
            atol = 1e-15 if version is shared_exp_copysign else 1e-300
            np.testing.assert_allclose(B, A, rtol=1e-12, atol=atol)
        times = {name: [] for name in VERSIONS}
        for run in range(args.runs + 1):
            for name, version in VERSIONS.items():
                Z = Z0.copy()
                start = time.perf_counter()
                if version is current:
                    current(Z, Y, sw)
                else:
                    version(Z, Y, sw, sw_y, unit_weights)
                if run:
                    times[name].append(time.perf_counter() - start)
        medians = {name: float(np.median(t)) for name, t in times.items()}
        print(
            f"rows {args.rows:,}, unit weights {unit_weights}: "
            + ", ".join(f"{k} {1e3 * v:.2f} ms" for k, v in medians.items())
            + "; ratios to current "
            + ", ".join(
                f"{k} {v / medians['current']:.2f}"
                for k, v in medians.items()
                if k != "current"
            )
            + "; load "
            f"average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
