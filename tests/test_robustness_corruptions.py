"""Corruptions (selectivity.robustness.corrupt) against the published formulas of CIFAR-10-C /
Tiny ImageNet-C (Hendrycks & Dietterich 2019) with their per-severity parameters."""

import colorsys
import io

import numpy as np
import pytest
import torch
from PIL import Image
from scipy import ndimage

from selectivity.robustness import CORRUPTIONS, TABLES, corrupt
from selectivity.robustness.kernels import disk_kernel

RNG = np.random.default_rng(0)
IMAGES = {s: RNG.integers(0, 256, (4, s, s, 3), dtype=np.uint8) for s in (32, 64)}


def grey(value, n=8, size=32, channels=3):
    return np.full((n, size, size, channels), value, dtype=np.uint8)


def trunc(x01):
    """The published conversion back to uint8: np.uint8(clip(x, 0, 1) * 255)."""
    return np.uint8(np.clip(x01, 0, 1) * 255)


def close(got, expected, share=0.01):
    """Equal up to one level, on all but ``share`` of the values (float rounding at exact integers)."""
    d = np.abs(got.astype(int) - expected.astype(int))
    assert d.max() <= 1 and (d > 0).mean() <= share, (d.max(), (d > 0).mean())


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_uint8_in_uint8_out_same_shape_and_type_deterministic(name):
    for size, x in IMAGES.items():
        out = corrupt(x, name, 3, seed=1)
        assert isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.shape == x.shape
        again = corrupt(torch.from_numpy(x), name, 3, seed=1)
        assert isinstance(again, torch.Tensor) and again.dtype == torch.uint8
        np.testing.assert_array_equal(again.numpy(), out)


@pytest.mark.parametrize("name", ["gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise"])
def test_noise_depends_on_the_seed_only(name):
    x = IMAGES[32]
    assert not np.array_equal(corrupt(x, name, 5, seed=0), corrupt(x, name, 5, seed=1))
    np.testing.assert_array_equal(corrupt(x, name, 5, seed=7), corrupt(x, name, 5, seed=7))


def test_clear_errors():
    x = IMAGES[32]
    for bad in (0, 6, 2.5, True, "3"):
        with pytest.raises(ValueError, match="severity must be an integer 1..5"):
            corrupt(x, "contrast", bad)
    with pytest.raises(ValueError, match="unknown corruption 'haze'.*gaussian_noise"):
        corrupt(x, "haze", 1)
    with pytest.raises(ValueError, match="no published parameters for 28x28 images.*table=32"):
        corrupt(grey(100, size=28), "contrast", 1)
    assert corrupt(grey(100, size=28), "pixelate", 5, table=32).shape == (8, 28, 28, 3)
    with pytest.raises(ValueError, match="table=32.*table=64"):
        corrupt(x, "contrast", 1, table=48)
    with pytest.raises(ValueError, match="uint8 images"):
        corrupt(x.astype(np.float32), "contrast", 1)
    with pytest.raises(ValueError, match="saturate acts on .* RGB images; these have 1 channel"):
        corrupt(grey(100, channels=1), "saturate", 4)
    assert corrupt(grey(100, channels=1), "brightness", 1).max() == int((100 / 255 + 0.05) * 255)


@pytest.mark.parametrize("size", [32, 64])
def test_gaussian_noise_is_clip_x_plus_normal_with_the_table_sigma(size):
    x = IMAGES[size]
    for s in (1, 5):
        c = TABLES[size]["gaussian_noise"][s - 1]
        noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(3), dtype=torch.float64).numpy()
        np.testing.assert_array_equal(corrupt(x, "gaussian_noise", s, seed=3), trunc(x / 255 + c * noise))
        d = (corrupt(grey(128, n=16, size=size), "gaussian_noise", s).astype(float) - 128) / 255  # no clipping
        assert abs(d.std() - c) < 0.03 * c and abs(d.mean() + 0.5 / 255) < 0.002


def test_shot_speckle_impulse_noise_statistics():
    x = grey(128, n=16)
    p = 128 / 255
    for s in (1, 5):
        rate = TABLES[32]["shot_noise"][s - 1]
        v = corrupt(x, "shot_noise", s).astype(float) / 255
        assert abs(v.mean() - p) < 0.01 and abs(v.var() / (p / rate) - 1) < 0.1  # Poisson(x c) / c
        sigma = TABLES[32]["speckle_noise"][s - 1]
        v = corrupt(x, "speckle_noise", s).astype(float) / 255
        assert abs(v.std() / (p * sigma) - 1) < 0.05  # x + x N(0, sigma)
        amount = TABLES[32]["impulse_noise"][s - 1]
        v = corrupt(x, "impulse_noise", s)
        changed = v != 128
        assert set(np.unique(v[changed])) <= {0, 255}
        assert abs(changed.mean() - amount) < 0.15 * amount + 0.002
        assert abs((v == 255).sum() / changed.sum() - 0.5) < 0.1


@pytest.mark.parametrize("size", [32, 64])
def test_gaussian_blur_is_scipys_gaussian_with_nearest_borders(size):
    x = IMAGES[size]
    for s in (1, 5):
        sigma = TABLES[size]["gaussian_blur"][s - 1]
        ref = ndimage.gaussian_filter(x / 255, sigma=(0, sigma, sigma, 0), mode="nearest", truncate=4.0)
        close(corrupt(x, "gaussian_blur", s), trunc(ref))


def test_defocus_kernel_is_the_antialiased_disk_and_blur_uses_reflect_101():
    for radius, alias in [(0.3, 0.4), (1.5, 0.1), (3, 0.1), (2.5, 0.01)]:
        grid = np.arange(-8, 9)
        disk = ((grid[:, None] ** 2 + grid[None] ** 2) <= radius**2).astype(float)
        g = np.exp(-np.arange(-1, 2) ** 2 / (2 * alias**2))
        ref = ndimage.correlate1d(ndimage.correlate1d(disk / disk.sum(), g / g.sum(), 0, mode="mirror"),
                                  g / g.sum(), 1, mode="mirror")
        k = disk_kernel(radius, alias).numpy()
        cut = (17 - k.shape[0]) // 2
        np.testing.assert_allclose(k, ref[cut:17 - cut, cut:17 - cut], atol=1e-12)
        assert abs(ref).sum() - abs(k).sum() < 1e-12  # only zeros were cut
    x = IMAGES[64]
    for s in (1, 5):
        radius, alias = TABLES[64]["defocus_blur"][s - 1]
        k = disk_kernel(radius, alias).float().double().numpy()
        ref = ndimage.correlate(x / 255, k[None, :, :, None], mode="mirror")  # cv2.filter2D's default border
        close(corrupt(x, "defocus_blur", s), trunc(ref))
    assert np.all(corrupt(grey(77), "defocus_blur", 5) == 77)


@pytest.mark.parametrize("size", [32, 64])
def test_contrast_is_deviation_from_channel_mean_times_c(size):
    x = IMAGES[size]
    for s in range(1, 6):
        c = TABLES[size]["contrast"][s - 1]
        x01 = x / 255
        m = x01.mean(axis=(1, 2), keepdims=True)
        close(corrupt(x, "contrast", s), trunc((x01 - m) * c + m))


def hsv_reference(x, fn):
    out = np.empty(x.shape)
    for idx in np.ndindex(x.shape[:-1]):
        h, s, v = fn(*colorsys.rgb_to_hsv(*(x[idx] / 255)))
        out[idx] = colorsys.hsv_to_rgb(h, s, v)
    return trunc(out)


@pytest.mark.parametrize("size", [32, 64])
def test_brightness_and_saturate_go_through_hsv(size):
    x = IMAGES[size][:1]
    for s in (1, 3, 5):
        b = TABLES[size]["brightness"][s - 1]
        close(corrupt(x, "brightness", s), hsv_reference(x, lambda h, sat, v: (h, sat, min(v + b, 1))))
        a, c = TABLES[size]["saturate"][s - 1]
        close(corrupt(x, "saturate", s), hsv_reference(x, lambda h, sat, v: (h, min(max(sat * a + c, 0), 1), v)))


@pytest.mark.parametrize("size", [32, 64])
def test_pixelate_is_pillow_box_down_and_up_with_the_table_factor(size):
    x = IMAGES[size]
    for s in range(1, 6):
        side = int(size * TABLES[size]["pixelate"][s - 1])
        ref = np.stack([np.asarray(Image.fromarray(a).resize((side, side), Image.BOX).resize((size, size), Image.BOX))
                        for a in x])
        np.testing.assert_array_equal(corrupt(x, "pixelate", s), ref)


@pytest.mark.parametrize("size", [32, 64])
def test_jpeg_is_pillow_at_the_table_quality(size):
    x = IMAGES[size]
    for s in (1, 5):
        ref = []
        for a in x:
            buf = io.BytesIO()
            Image.fromarray(a).save(buf, "JPEG", quality=TABLES[size]["jpeg_compression"][s - 1])
            ref.append(np.asarray(Image.open(buf)))
        np.testing.assert_array_equal(corrupt(x, "jpeg_compression", s), np.stack(ref))


def test_single_channel_images():
    x = RNG.integers(0, 256, (3, 32, 32, 1), dtype=np.uint8)
    for name in CORRUPTIONS:
        if name != "saturate":
            assert corrupt(x, name, 5).shape == x.shape


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_gpu_gives_the_cpu_images():
    x = torch.from_numpy(IMAGES[32])
    for name in CORRUPTIONS:
        out = corrupt(x.cuda(), name, 4, seed=2)
        assert out.device.type == "cuda" and out.dtype == torch.uint8
        close(out.cpu().numpy(), corrupt(x, name, 4, seed=2).numpy())
