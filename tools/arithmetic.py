"""The arithmetic the chapters' stored outputs are checked against, set for every command the README gives.

numpy picks its compute kernels by CPU: OpenBLAS's matrix products by CPU family, numpy's own loops (exp,
tanh, ...) by instruction set. Each choice rounds float32 sums a little differently, and a long training run
amplifies those differences until a printed loss moves. Until every printed number is robust to that, the
book's outputs are made and compared with one choice that any x86-64 CPU with AVX2 can run: OpenBLAS's
Haswell kernels and numpy's AVX2 loops (its AVX-512 loops switched off). Values already set in the
environment win, so other arithmetic can be tried with e.g. ``OPENBLAS_CORETYPE=Sandybridge make notebooks``.

OpenBLAS also runs one thread per core. The book's matrices are small (at most a few hundred rows), so a second
thread saves little, and on a busy machine (a build, a browser and a kernel at once, as in ``make test``) a
thread that waits to be scheduled stalls every product: chapters then took 2 to 10 times longer. The commands
here run OpenBLAS on one thread; the printed outputs are the same with one thread or two (strict nbval passes
with either).
"""

import os

SETTINGS = {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
            "OPENBLAS_NUM_THREADS": "1"}


def use():
    """Set :data:`SETTINGS` in this process's environment (kernels and servers started from it inherit them)."""
    for name, value in SETTINGS.items():
        os.environ.setdefault(name, value)
