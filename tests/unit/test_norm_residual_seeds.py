"""initlab.norm_residual.seed_average: one block_gradients per seed, stacked; the chapter's claims on a small
stack (pre-norm's stream grows like 1 + N, GPT-2's scale holds it, ReZero's weight gradients vanish)."""

import numpy as np
import pytest

from initlab.norm_residual import block_gradients, predicted_stream_ms, seed_average


def test_seed_average_stacks_block_gradients():
    avg = seed_average("pre", 4, seeds=(3, 5), width=8, batch=16, output_scale=0.5)
    assert avg.depth == 4 and avg.weight_grad.shape == (2, 4) and avg.output_scale == 0.5
    for row, seed in enumerate((3, 5)):
        one = block_gradients("pre", 4, width=8, batch=16, output_scale=0.5, rng=seed)
        np.testing.assert_array_equal(avg.weight_grad[row], one.weight_grad)
        np.testing.assert_array_equal(avg.stream_ms[row], one.stream_ms)
        np.testing.assert_array_equal(avg.alpha_grad[row], one.alpha_grad)
    np.testing.assert_allclose(avg.mean("stream_ms"), avg.stream_ms.mean(axis=0))


def test_the_averages_follow_the_predictions():
    plain = seed_average("pre", 16, seeds=range(4), width=32)
    scaled = seed_average("pre", 16, seeds=range(4), width=32, output_scale=0.25)
    np.testing.assert_allclose(plain.mean("stream_ms"), predicted_stream_ms("pre", 16), rtol=0.15)
    np.testing.assert_allclose(scaled.mean("stream_ms"), predicted_stream_ms("pre", 16, 0.25), rtol=0.1)
    rezero = seed_average("none", 6, seeds=(0, 1), width=16, rezero=True)
    assert np.all(rezero.weight_grad == 0) and np.all(rezero.alpha_grad > 0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):
        seed_average("pre", 3, seeds=())
    with pytest.raises(ValueError, match="field must be one of"):
        seed_average("pre", 2, seeds=(0,), width=4).mean("loss")
    with pytest.raises(ValueError, match="placement must be one of"):
        seed_average("middle", 2, seeds=(0,))
