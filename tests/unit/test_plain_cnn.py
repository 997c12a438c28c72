"""initlab.plain_cnn: a deep plain CNN whose backward pass equals finite differences, which trains with
initlab.train and whose overflow is reported, not trained through."""

import numpy as np
import pytest

import initlab
from initlab.gradcheck import numerical_gradient, relative_error
from initlab.plain_cnn import PlainCNN, as_images


def test_as_images_is_a_view_of_the_rows():
    x = np.arange(2 * 64, dtype=np.float32).reshape(2, 64)
    images = as_images(x)
    assert images.shape == (2, 1, 8, 8) and np.shares_memory(images, x)
    assert images[1, 0, 2, 3] == x[1, 2 * 8 + 3]
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 64\)"):
        as_images(np.zeros((2, 63)))


def test_shapes_and_layout():
    model = PlainCNN(3, 4, kernel_size=3, rng=0)
    out = model.forward(np.zeros((5, 1, 8, 8), dtype=np.float32))
    assert out.shape == (5, 10) and model.depth == 4
    assert [w.shape for w in model.weights] == [(4, 1, 3, 3), (4, 4, 3, 3), (4, 4, 3, 3), (4 * 64, 10)]
    assert [y.shape for y in model.pre_activations[:-1]] == [(5, 4, 8, 8)] * 3
    strided = PlainCNN(2, 4, stride=2, rng=0)
    assert strided.forward(np.zeros((1, 1, 8, 8))).shape == (1, 10) and strided.head_weight.shape == (16, 10)


@pytest.mark.parametrize("init", ["default", "kaiming_normal"])
@pytest.mark.parametrize("stride", [1, 2])
def test_backward_equals_finite_differences(init, stride):
    rng = np.random.default_rng(0)
    model = PlainCNN(2, 3, kernel_size=3, init=init, stride=stride, image_size=5, rng=1, dtype=np.float64)
    for b in model.biases:
        b[:] = 0.1 * rng.standard_normal(b.shape)
    x = rng.standard_normal((3, 1, 5, 5))
    y = np.array([0, 3, 7])

    def loss():
        return initlab.losses.softmax_cross_entropy(model.forward(x), y)[0]

    _, dout = initlab.losses.softmax_cross_entropy(model.forward(x), y)
    model.backward(dout)
    assert model.grad_input is None  # the images' gradient: only when asked for
    for analytic, param in zip(model.gradients(), model.parameters()):
        assert relative_error(analytic, numerical_gradient(loss, param)) < 1e-7
    model.forward(x)
    model.backward(dout, input_grad=True)
    assert relative_error(model.grad_input, numerical_gradient(loss, x)) < 1e-7


def test_trains_on_a_few_digits():
    x, y = initlab.data.digits()
    images, labels = as_images(x[:64]), y[:64]
    model = PlainCNN(3, 6, rng=0)
    history = initlab.train(model, images, labels, lr=0.1, steps=60, momentum=0.9)
    assert not history.diverged and history.loss[-5:].mean() < 0.5 * history.loss[0]
    assert initlab.accuracy(model, images, labels) > 0.5


def test_overflow_is_reported_with_its_layer():
    model = PlainCNN(6, 8, init="normal", rng=0, dtype=np.float16)  # N(0, 1) weights: ×36 variance per layer
    x, y = initlab.data.digits()
    history = initlab.train(model, as_images(x[:32]), y[:32], lr=0.1, steps=5)
    assert history.diverged and history.failed_at == 0
    assert "pre-activations became" in history.failure and history.failed_layer is not None


def test_seeded_and_repr():
    a, b = PlainCNN(2, 3, rng=4), PlainCNN(2, 3, rng=4)
    for wa, wb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(wa, wb)
    assert repr(a).startswith("PlainCNN(depth=2, channels=3, kernel_size=3, init='kaiming_normal', padding=1")


def test_default_init_draws_biases_named_ones_do_not():
    assert all(b.any() for b in PlainCNN(2, 4, init="default", rng=0).biases)
    assert not any(b.any() for b in PlainCNN(2, 4, init="xavier_normal", rng=0).biases)


@pytest.mark.parametrize("make, error, message", [
    (lambda: PlainCNN(0, 4), ValueError, "depth must be a positive integer"),
    (lambda: PlainCNN(2, 4, init="he"), ValueError, "init must be one of 'default'"),
    (lambda: PlainCNN(2, 4, kernel_size=4), ValueError, "padding=None keeps the size only for an odd kernel_size"),
    (lambda: PlainCNN(2, 4, kernel_size=5, padding=0, image_size=6), ValueError, "kernel_size 5 is larger"),
])
def test_bad_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_calls():
    model = PlainCNN(2, 3, rng=0)
    with pytest.raises(RuntimeError, match="call forward"):
        model.backward(np.zeros((1, 10)))
    with pytest.raises(RuntimeError, match="call backward"):
        model.gradients()
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 1, height, width\)"):
        model.forward(np.zeros((2, 64)))
    model.forward(np.zeros((2, 1, 8, 8)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 10\)"):
        model.backward(np.zeros((3, 10)))
