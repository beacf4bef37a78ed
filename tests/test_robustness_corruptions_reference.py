"""The eight corruptions that move pixels or add layers (glass, motion and zoom blur, snow, frost,
fog, spatter, elastic transform) against the published formulas run here, statement for statement,
with the libraries they call (tests/corruption_reference.py) and the same random draws: every value
of every image must be identical, at every severity of both tables."""

import numpy as np
import pytest
import torch

import corruption_reference as ref
from selectivity.robustness import corrupt
from selectivity.robustness.corruptions import draws
from selectivity.robustness.params import BENCHMARK, CORRUPTIONS, EXTRA, SETS, TABLES, corruption_set

pytest.importorskip("cv2", reason="OpenCV (the test extra) runs the reference")
pytest.importorskip("skimage", reason="scikit-image (the test extra) runs the reference")
ref.libraries()
needs_wand = pytest.mark.skipif(not ref.wand_available(),
                                reason="Wand with ImageMagick's MagickWand library (make system-deps) runs the reference")

RNG = np.random.default_rng(0)
IMAGES = {s: RNG.integers(0, 256, (4, s, s, 3), dtype=np.uint8) for s in (32, 64)}
SEED = 3


def reference(name, x, severity, table, d):
    """The reference's corrupted images, one image at a time, with the draws ``d``."""
    out = []
    for i, image in enumerate(x):
        if name == "motion_blur":
            out.append(ref.motion_ref(image, severity, table, float(d["angles"][i])))
        elif name == "glass_blur":
            out.append(ref.glass_ref(image, severity, table, d["shifts"][:, :, i].numpy()))
        elif name == "zoom_blur":
            out.append(ref.zoom_ref(image, severity, table))
        elif name == "snow":
            out.append(ref.snow_ref(image, severity, table, d["flakes"][i].numpy(), float(d["angles"][i])))
        elif name == "frost":
            out.append(ref.frost_ref(image, severity, table, int(d["which"][i]), int(d["top"][i]), int(d["left"][i])))
        elif name == "fog":
            out.append(ref.fog_ref(image, severity, table, [u[i].numpy() for u in d["draws"]]))
        elif name == "spatter":
            out.append(ref.spatter_ref(image, severity, table, d["liquid"][i].numpy()))
        else:
            out.append(ref.elastic_ref(image, severity, table, d["moves"][i].numpy(), d["field_x"][i].numpy(),
                                       d["field_y"][i].numpy()))
    return np.stack(out)


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("name", [
    pytest.param("motion_blur", marks=needs_wand), "glass_blur", "zoom_blur", pytest.param("snow", marks=needs_wand),
    "frost", "fog", "spatter", "elastic_transform"])
def test_identical_to_the_published_formula(name, size):
    x = IMAGES[size]
    for severity in range(1, 6):
        got = corrupt(x, name, severity, seed=SEED)
        expected = reference(name, x, severity, size, draws(name, x.shape, severity, SEED, size))
        np.testing.assert_array_equal(got, expected, err_msg=f"{name} severity {severity}, {size}x{size}")


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("name", ["gaussian_blur", "defocus_blur", "contrast", "brightness", "saturate", "speckle_noise"])
def test_the_pixelwise_corruptions_are_identical_to_the_published_formula_too(name, size):
    """skimage's gaussian and rgb2hsv / hsv2rgb, OpenCV's disk kernel and filter2D; speckle noise
    with the normal draws of the seed."""
    x = IMAGES[size]
    for severity in range(1, 6):
        got = corrupt(x, name, severity, seed=SEED)
        if name == "speckle_noise":
            normal = torch.randn(x.shape, generator=torch.Generator().manual_seed(SEED), dtype=torch.float64).numpy()
            expected = np.stack([ref.speckle_ref(a, severity, size, z) for a, z in zip(x, normal)])
        else:
            expected = np.stack([getattr(ref, f"{name.replace('_blur', '')}_ref" if name == "defocus_blur"
                                         else f"{name}_ref")(a, severity, size) for a in x])
        np.testing.assert_array_equal(got, expected, err_msg=f"{name} severity {severity}, {size}x{size}")


@pytest.mark.parametrize("name", ["glass_blur", "motion_blur", "snow", "frost", "fog", "spatter", "elastic_transform"])
def test_random_corruptions_depend_on_the_seed_only(name):
    x = IMAGES[32]
    a, b = corrupt(x, name, 5, seed=1), corrupt(x, name, 5, seed=2)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(corrupt(x, name, 5, seed=1), a)
    assert draws("zoom_blur", x.shape, 5, 1, 32) == {}  # zoom blur draws nothing
    np.testing.assert_array_equal(corrupt(x, "zoom_blur", 3, seed=1), corrupt(x, "zoom_blur", 3, seed=2))


def test_glass_blur_copies_rather_than_swaps_as_the_published_code_does():
    """With every move (dx, dy) = (-1, 0), the published statement copies each visited pixel's left
    neighbour into it (numpy views): visited columns 5..2 take columns 4..1 and column 1 keeps its
    value (real swaps would carry column 5's value down to column 1: [12, 17, 13, 14, 15, 16])."""
    from selectivity.robustness.blurs import glass_shuffle

    x = torch.arange(6 * 6, dtype=torch.float64).view(1, 6, 6, 1)
    shifts = torch.zeros((1, 16, 1, 2), dtype=torch.long)
    shifts[..., 0] = -1
    out = glass_shuffle(x, 1, shifts)[0, :, :, 0]
    assert out[2].tolist() == [12, 13, 13, 14, 15, 16]
    assert torch.equal(out[:2], x[0, :2, :, 0]) and torch.equal(out[:, 0], x[0, :, 0, 0])


def test_motion_kernel_taps_follow_the_angle():
    from selectivity.robustness.blurs import motion_kernel, motion_offsets

    k, width = motion_kernel(6, 2)
    assert width == 13 and abs(float(k.sum()) - 1) < 1e-12 and bool((k[1:] < k[:-1]).all())
    dx, dy = motion_offsets(torch.tensor([0.0, 90.0, -45.0]), width)
    assert dx[0].tolist() == list(range(13)) and set(dy[0].tolist()) == {0}
    assert dy[1].tolist() == list(range(13)) and set(dx[1].tolist()) == {0}
    assert (dx[2] == -dy[2]).all() and dx[2, -1] == 8


def test_grey_images_are_corrupted_as_equal_rgb_channels_then_greyed():
    from selectivity.robustness.params import FROST_SCALE
    from selectivity.robustness.weather import frost_pictures

    x = RNG.integers(0, 256, (3, 32, 32, 1), dtype=np.uint8)
    d = draws("frost", x.shape, 4, 5, 32)
    pictures = frost_pictures(FROST_SCALE[32])
    w, fw = TABLES[32]["frost"][3]
    for i in range(3):
        crop = pictures[int(d["which"][i])][int(d["top"][i]):int(d["top"][i]) + 32, int(d["left"][i]):int(d["left"][i]) + 32]
        rgb = np.clip(w * np.repeat(x[i], 3, -1).astype(float) + fw * crop, 0, 255) / 255
        grey = rgb[..., 0:1] * 0.299 + rgb[..., 1:2] * 0.587 + rgb[..., 2:3] * 0.114
        np.testing.assert_array_equal(corrupt(x, "frost", 4, seed=5)[i], np.uint8(np.clip(grey, 0, 1) * 255))
    for name in ("snow", "spatter", "motion_blur", "glass_blur", "zoom_blur", "fog", "elastic_transform"):
        assert corrupt(x, name, 3, seed=1).shape == x.shape


def test_other_sizes_with_a_table():
    """8x8 (the demo's digits) and 28x28 (Fashion-MNIST) with the 32 table; fog's map grows for
    images larger than its table; frost refuses images as large as its pictures."""
    for side in (8, 28):
        x = RNG.integers(0, 256, (5, side, side, 1), dtype=np.uint8)
        for name in BENCHMARK:
            out = corrupt(x, name, 5, seed=0, table=32)
            assert out.shape == x.shape and out.dtype == np.uint8
    from selectivity.robustness.weather import plasma_size

    assert plasma_size(8, 8, 32) == 32 and plasma_size(48, 48, 32) == 64 and plasma_size(64, 64, 64) == 64
    assert corrupt(RNG.integers(0, 256, (2, 48, 48, 3), dtype=np.uint8), "fog", 2, table=32).shape == (2, 48, 48, 3)
    with pytest.raises(ValueError, match="frost crops 80x80 pieces from pictures of at least 63 pixels"):
        corrupt(np.zeros((1, 80, 80, 3), np.uint8), "frost", 1, table=32)


def test_corruption_sets():
    assert len(BENCHMARK) == 15 and len(EXTRA) == 4 and CORRUPTIONS == BENCHMARK + EXTRA
    assert set(EXTRA) == {"speckle_noise", "gaussian_blur", "spatter", "saturate"}
    assert corruption_set("benchmark") == BENCHMARK and corruption_set("all") == CORRUPTIONS
    assert corruption_set(["fog", "snow"]) == ("fog", "snow") and set(SETS) == {"benchmark", "extra", "all"}
    for table in TABLES.values():
        assert set(table) == set(CORRUPTIONS) and all(len(v) == 5 for v in table.values())
    with pytest.raises(ValueError, match="unknown corruption set 'fifteen'"):
        corruption_set("fifteen")
    with pytest.raises(ValueError, match=r"unknown corruptions \['haze'\]"):
        corruption_set(["fog", "haze"])
