r"""The input–output Jacobian of an :class:`initlab.MLP` at one input, and its singular values.

The network computes :math:`z_k = h_{k-1} W_k + b_k`, :math:`h_k = f(z_k)` for the hidden layers
and a linear output :math:`h_L = z_L` (rows, as in the code). A small change :math:`dx` of the input
moves the output by

.. math::
    dh_L = dx\; W_1 D_1 W_2 D_2 \cdots D_{L-1} W_L, \qquad D_k = \operatorname{diag}\big(f'(z_k)\big),

so the Jacobian :math:`J = \partial h_L/\partial x`, with entry :math:`J_{ji} = \partial h_{L,j}/\partial x_i`,
is the transpose of that product: :math:`J = W_L^\top D_{L-1} \cdots D_1 W_1^\top`. It covers every
layer, from the input to the (linear) output; ``L`` weight matrices and ``L - 1`` derivative diagonals.
Its singular values are those of the product, since a matrix and its transpose share them.
"""

import numpy as np

from . import init
from ._checks import finite_number, generator, positive_int
from .mlp import MLP

__all__ = ["input_output_jacobian", "singular_values", "spectrum_moments", "spread", "zero_count",
           "gaussian_product_moments", "sampled_gaussian_moments", "INITS", "FLOOR", "measure_spectra"]


def _one_input(model, x):
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an initlab.MLP, got {type(model).__name__}")
    if model.norms or any(model.skips):
        raise ValueError("model must be a plain MLP (no batch_norm, no residual): "
                         "its Jacobian is then the product W_1 D_1 ... W_L")
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[None, :]
    if x.shape != (1, model.sizes[0]):
        raise ValueError(f"x must be one input, of shape ({model.sizes[0]},) or (1, {model.sizes[0]}), "
                         f"got shape {x.shape}")
    return x


def _products(model, x):
    """Yield ``(k, W_1 D_1 ... D_{k-1} W_k)`` for k = 1, ..., L from one forward pass at ``x``."""
    x = _one_input(model, x)
    model.forward(x)
    product = model.weights[0]
    yield 1, product
    for k, (z, w) in enumerate(zip(model.pre_activations[:-1], model.weights[1:]), start=2):
        product = (product * model.activation.derivative(z)) @ w
        yield k, product


def input_output_jacobian(model, x, layer=None):
    r"""The Jacobian :math:`\partial z_k/\partial x` of ``model`` at the single input ``x``, ``k = layer``.

    ``layer=None`` (or ``model.depth``) is the output, :math:`z_L = h_L`: entry ``(j, i)`` is
    :math:`\partial h_{L,j}/\partial x_i`. A smaller ``layer`` ``k`` gives the Jacobian of the pre-activations
    :math:`z_k`, which is the input–output Jacobian of the network cut after its first ``k`` weight layers.
    Shape ``(sizes[layer], sizes[0])``, in the model's dtype (float64 to compare with finite differences);
    computed as :math:`(W_1 D_1 W_2 \cdots D_{k-1} W_k)^\top`.
    """
    x = _one_input(model, x)
    layer = model.depth if layer is None else _layer(model, layer)
    for k, product in _products(model, x):
        if k == layer:
            return product.T


def _layer(model, layer):
    layer = positive_int(layer, "layer")
    if layer > model.depth:
        raise ValueError(f"layer must be between 1 and the model's depth {model.depth}, got {layer}")
    return layer


def singular_values(model, x, layers=None):
    """The singular values of :func:`input_output_jacobian`, largest first, computed in float64.

    With ``layers`` (a sequence of layer numbers) returns ``{k: singular values of ∂z_k/∂x}`` for each,
    all from one forward pass.
    """
    x = _one_input(model, x)
    if layers is None:
        return np.linalg.svd(input_output_jacobian(model, x).astype(np.float64), compute_uv=False)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be None or a sequence of layer numbers, got {layers!r}")
    wanted = {_layer(model, k) for k in layers}
    return {k: np.linalg.svd(product.T.astype(np.float64), compute_uv=False)
            for k, product in _products(model, x) if k in wanted}


def spectrum_moments(values):
    r"""``(mean of s², mean of s⁴)`` over singular values ``s``: :math:`\operatorname{tr}(JJ^\top)/n`
    and :math:`\operatorname{tr}((JJ^\top)^2)/n` for a square ``J``, the moments random-matrix theory predicts."""
    s2 = np.square(np.asarray(values, dtype=np.float64))
    if s2.ndim != 1 or s2.size == 0 or not np.all(np.isfinite(s2)):
        raise ValueError(f"values must be a non-empty 1-D array of finite singular values, got shape {s2.shape}")
    return float(s2.mean()), float(np.square(s2).mean())


def spread(values):
    r""":math:`\operatorname{Var}(s^2)/(\text{mean } s^2)^2` over singular values ``s``: 0 for an isometry (all equal),
    at most :math:`n - 1` (one nonzero value), and blind to the overall scale."""
    m2, m4 = spectrum_moments(values)
    return m4 / m2 ** 2 - 1


def zero_count(values):
    """How many of the singular values ``values`` (sorted, largest first) are below :data:`FLOOR` times the
    largest: numerically zero."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array of singular values, got shape {values.shape}")
    return int(np.count_nonzero(values < FLOOR * values[0]))


def gaussian_product_moments(depth, width, sigma_w=1.0):
    r"""Exact ``(E mean s², E mean s⁴)`` for :math:`J = W_L \cdots W_1`, independent ``width × width``
    matrices with i.i.d. :math:`\mathcal N(0, \sigma_w^2/n)` entries (``n = width``).

    With :math:`B_k = J_k J_k^\top`, :math:`a_k = E\operatorname{tr}(B_k^2)`, :math:`b_k = E(\operatorname{tr}B_k)^2`
    and :math:`\sigma_w = 1`, Isserlis' theorem gives
    :math:`a_{k+1} = (1 + 1/n)\,a_k + b_k/n`, :math:`b_{k+1} = b_k + 2a_k/n`, from :math:`a_0 = n`,
    :math:`b_0 = n^2`; then mean s² is 1 and mean s⁴ is :math:`a_L/n \to L + 1` as :math:`n \to \infty`.
    A scale :math:`\sigma_w` multiplies them by :math:`\sigma_w^{2L}` and :math:`\sigma_w^{4L}`.
    """
    depth, n = positive_int(depth, "depth"), positive_int(width, "width")
    sigma_w = finite_number(sigma_w, "sigma_w", positive=True)
    a, b = float(n), float(n) ** 2
    for _ in range(depth):
        a, b = (1 + 1 / n) * a + b / n, b + 2 * a / n
    return sigma_w ** (2 * depth), sigma_w ** (4 * depth) * a / n


#: The two initializers compared, by the name the figures show: weights of mean square σ_w²/n either way.
INITS = {"gaussian": init.scaled_normal, "orthogonal": init.scaled_orthogonal}
#: Singular values below ``FLOOR`` times the largest are numerically zero: float64 rounding in the products
#: leaves errors near 1e-16 times the largest, so their computed values are noise.
FLOOR = 1e-10


def measure_spectra(x, depths, activations, width=64, rng=0):
    """``{(depth, init, activation): singular values}`` for a ``width``-wide float64 MLP at the input ``x``.

    ``activations`` maps an activation name to its σ_w; ``init`` runs over :data:`INITS`. One network of
    ``max(depths)`` layers per (init, activation): the network of depth ``k`` is its first ``k`` layers (the
    same seed draws the same first ``k`` matrices), and all depths come from one forward pass.
    """
    if isinstance(depths, (str, bytes)) or not hasattr(depths, "__len__") or len(depths) == 0:
        raise ValueError(f"depths must be a non-empty sequence of positive integers, got {depths!r}")
    depths = [positive_int(d, "depths") for d in depths]
    if not isinstance(activations, dict) or not activations:
        raise TypeError(f"activations must be a non-empty dict {{name: sigma_w}}, got {activations!r}")
    activations = {a: finite_number(s, f"activations[{a!r}]", positive=True) for a, s in activations.items()}
    spectra = {}
    for name, make in INITS.items():
        for activation, sigma_w in activations.items():
            model = MLP([width] * (max(depths) + 1), activation=activation, init=make(sigma_w), rng=rng,
                        dtype=np.float64)
            for depth, values in singular_values(model, x, layers=depths).items():
                spectra[depth, name, activation] = values
    return spectra


def sampled_gaussian_moments(x, depths, draws, sigma_w=1.0, rng=2):
    r"""``(mean s², mean s⁴)`` of the input–output Jacobian of ``draws`` linear float64 networks, square of the
    width ``len(x)``, with i.i.d. :math:`\mathcal N(0, \sigma_w^2/n)` weights, at the input ``x``: an array of
    shape ``(draws, len(depths), 2)``, to compare with :func:`gaussian_product_moments`.

    Each draw is one network of ``max(depths)`` layers (the network of depth ``k`` is its first ``k`` layers);
    the draws come one after the other from one generator seeded by ``rng``.
    """
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"x must be one input (a 1-D array), got shape {x.shape}")
    if isinstance(depths, (str, bytes)) or not hasattr(depths, "__len__") or len(depths) == 0:
        raise ValueError(f"depths must be a non-empty sequence of positive integers, got {depths!r}")
    depths = [positive_int(d, "depths") for d in depths]
    draws = positive_int(draws, "draws")
    gen = generator(rng)
    moments = np.zeros((draws, len(depths), 2))
    for draw in range(draws):
        net = MLP([x.size] * (max(depths) + 1), activation="linear", init=init.scaled_normal(sigma_w), rng=gen,
                  dtype=np.float64)
        spectra = singular_values(net, x, layers=depths)
        moments[draw] = [spectrum_moments(spectra[depth]) for depth in depths]
    return moments
