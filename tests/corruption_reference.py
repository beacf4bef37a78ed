"""The published corruption formulas of make_cifar_c.py / make_tinyimagenet_c.py
(github.com/hendrycks/robustness, ImageNet-C/create_c/), restated step by step with the libraries they
call (scikit-image, scipy.ndimage, OpenCV, ImageMagick through Wand, Pillow), one image [H, W, C]
at a time, as the slow obviously-faithful reference that selectivity.robustness.corrupt is tested
against. Their numpy.random draws are passed in (the draws selectivity made for the same seed),
and the calls of APIs removed since 2018 are written in today's form (skimage's multichannel=True
is channel_axis=-1; scipy.ndimage.interpolation is scipy.ndimage; np.fromstring is np.frombuffer);
the code around them is the published code's, statement for statement."""

import ctypes
import io

import numpy as np
from PIL import Image
from scipy import ndimage

from selectivity.robustness.params import FROST_SCALE, TABLES
from selectivity.robustness.weather import FROST_DIR, FROST_FILES

cv2 = None


def libraries():
    """Import OpenCV and scikit-image (the tests skip without them)."""
    global cv2
    import cv2 as _cv2
    import skimage.filters  # noqa: F401

    cv2 = _cv2


def wand_available() -> bool:
    try:
        from wand.api import library  # noqa: F401  (needs ImageMagick's MagickWand library)
    except ImportError:
        return False
    return True


def gauss(x, sigma, **kw):
    from skimage.filters import gaussian

    return gaussian(x, sigma=sigma, channel_axis=-1 if x.ndim == 3 else None, **kw)


def magick_motion_blur(img, radius, sigma, angle):
    """The published MotionImage.motion_blur round trip: PNG -> MagickMotionBlurImage -> PNG -> cv2."""
    from wand.api import library
    from wand.image import Image as WandImage

    library.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    with WandImage(blob=buf.getvalue()) as im:
        library.MagickMotionBlurImage(im.wand, radius, sigma, angle)
        return cv2.imdecode(np.frombuffer(im.make_blob(), np.uint8), cv2.IMREAD_UNCHANGED)


def motion_ref(x, s, table, angle):
    c = TABLES[table]["motion_blur"][s - 1]
    out = magick_motion_blur(x, c[0], c[1], angle)
    if out.ndim == 3:
        return np.uint8(np.clip(out[..., [2, 1, 0]], 0, 255))
    return np.uint8(np.clip(np.stack([out] * 3, -1), 0, 255))

def glass_ref(x, s, table, shifts):
    sigma, delta, iters = TABLES[table]["glass_blur"][s - 1]
    H, W = x.shape[:2]
    y = np.uint8(gauss(x / 255., sigma) * 255)
    for i in range(iters):
        k = 0
        for h in range(H - delta, delta, -1):
            for w in range(W - delta, delta, -1):
                dx, dy = shifts[i, k]; k += 1
                hp, wp = h + dy, w + dx
                y[h, w], y[hp, wp] = y[hp, wp], y[h, w]
    return np.uint8(np.clip(gauss(y / 255., sigma), 0, 1) * 255)

def clipped_zoom_ref(img, z):
    h = img.shape[0]; ch = int(np.ceil(h / z)); top = (h - ch) // 2
    img = ndimage.zoom(img[top:top + ch, top:top + ch], (z, z, 1), order=1)
    t = (img.shape[0] - h) // 2
    return img[t:t + h, t:t + h]

def zoom_ref(x, s, table):
    end = TABLES[table]["zoom_blur"][s - 1]
    x = (np.array(x) / 255.).astype(np.float32); out = np.zeros_like(x)
    fs = np.arange(1, end, 0.01)
    for z in fs:
        out += clipped_zoom_ref(x, z)
    return np.uint8(np.clip((x + out) / (len(fs) + 1), 0, 1) * 255)

def snow_ref(x, s, table, flakes, angle):
    c = TABLES[table]["snow"][s - 1]
    H, W = x.shape[:2]
    x = np.array(x, dtype=np.float32) / 255.
    layer = c[0] + c[1] * flakes
    layer = clipped_zoom_ref(layer[..., None], c[2])
    layer[layer < c[3]] = 0
    layer = (np.clip(layer.squeeze(), 0, 1) * 255).astype(np.uint8)
    layer = magick_motion_blur(layer, c[4], c[5], angle) / 255.
    layer = layer[..., None]
    x = c[6] * x + (1 - c[6]) * np.maximum(x, cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).reshape(H, W, 1) * 1.5 + 0.5)
    return np.uint8(np.clip(x + layer + np.rot90(layer, k=2), 0, 1) * 255)

def frost_ref(x, s, table, which, top, left):
    c = TABLES[table]["frost"][s - 1]
    H, W = x.shape[:2]
    f = cv2.imread(str(FROST_DIR / FROST_FILES[which]))
    f = cv2.resize(f, (0, 0), fx=FROST_SCALE[table], fy=FROST_SCALE[table])
    f = f[top:top + H, left:left + W][..., [2, 1, 0]]
    return np.uint8(np.clip(c[0] * np.array(x) + c[1] * f, 0, 255))

def plasma_ref(mapsize, decay, uniforms):
    it = iter(uniforms)
    def uniform(low, high, shape):
        u = next(it); assert u.shape == shape, (u.shape, shape)
        return low + (high - low) * u
    maparray = np.empty((mapsize, mapsize), dtype=np.float64)
    maparray[0, 0] = 0
    stepsize = mapsize
    wibble = 100
    def wibbledmean(array):
        return array / 4 + wibble * uniform(-wibble, wibble, array.shape)
    while stepsize >= 2:
        cornerref = maparray[0:mapsize:stepsize, 0:mapsize:stepsize]
        squareaccum = cornerref + np.roll(cornerref, shift=-1, axis=0)
        squareaccum += np.roll(squareaccum, shift=-1, axis=1)
        maparray[stepsize // 2:mapsize:stepsize, stepsize // 2:mapsize:stepsize] = wibbledmean(squareaccum)
        drgrid = maparray[stepsize // 2:mapsize:stepsize, stepsize // 2:mapsize:stepsize]
        ulgrid = maparray[0:mapsize:stepsize, 0:mapsize:stepsize]
        ltsum = (drgrid + np.roll(drgrid, 1, axis=0)) + (ulgrid + np.roll(ulgrid, -1, axis=1))
        maparray[0:mapsize:stepsize, stepsize // 2:mapsize:stepsize] = wibbledmean(ltsum)
        ttsum = (drgrid + np.roll(drgrid, 1, axis=1)) + (ulgrid + np.roll(ulgrid, -1, axis=0))
        maparray[stepsize // 2:mapsize:stepsize, 0:mapsize:stepsize] = wibbledmean(ttsum)
        stepsize //= 2
        wibble /= decay
    maparray -= maparray.min()
    return maparray / maparray.max()

def fog_ref(x, s, table, uniforms):
    c = TABLES[table]["fog"][s - 1]
    H, W = x.shape[:2]
    x = np.array(x) / 255.
    max_val = x.max()
    x += c[0] * plasma_ref(table, c[1], uniforms)[:H, :W][..., None]
    return np.uint8(np.clip(x * max_val / (max_val + c[0]), 0, 1) * 255)

def spatter_ref(x, s, table, z):
    c = TABLES[table]["spatter"][s - 1]
    x = np.array(x, dtype=np.float32) / 255.
    liquid = c[0] + c[1] * z
    liquid = gauss(liquid, c[2])
    liquid[liquid < c[3]] = 0
    if c[5] == 0:
        liquid = (liquid * 255).astype(np.uint8)
        dist = 255 - cv2.Canny(liquid, 50, 150)
        dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
        _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
        dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
        dist = cv2.equalizeHist(dist)
        ker = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
        dist = cv2.filter2D(dist, cv2.CV_8U, ker)
        dist = cv2.blur(dist, (3, 3)).astype(np.float32)
        m = cv2.cvtColor(liquid * dist, cv2.COLOR_GRAY2BGRA)
        m /= np.max(m, axis=(0, 1))
        m *= c[4]
        color = np.concatenate((175 / 255. * np.ones_like(m[..., :1]), 238 / 255. * np.ones_like(m[..., :1]),
                                238 / 255. * np.ones_like(m[..., :1])), axis=2)
        color = cv2.cvtColor(color, cv2.COLOR_BGR2BGRA)
        x = cv2.cvtColor(x, cv2.COLOR_BGR2BGRA)
        return np.uint8(cv2.cvtColor(np.clip(x + m * color, 0, 1), cv2.COLOR_BGRA2BGR) * 255)
    m = np.where(liquid > c[3], 1, 0)
    m = gauss(m.astype(np.float32), c[4])
    m[m < 0.8] = 0
    color = np.concatenate((63 / 255. * np.ones_like(x[..., :1]), 42 / 255. * np.ones_like(x[..., :1]),
                            20 / 255. * np.ones_like(x[..., :1])), axis=2)
    color *= m[..., None]
    x *= (1 - m[..., None])
    return np.uint8(np.clip(x + color, 0, 1) * 255)

def elastic_ref(x, s, table, moves, fx, fy):
    IMSIZE = x.shape[0]
    f = TABLES[table]["elastic_transform"][s - 1]
    c = (IMSIZE * f[0], IMSIZE * f[1], IMSIZE * f[2])
    image = np.array(x, dtype=np.float32) / 255.
    shape = image.shape; shape_size = shape[:2]
    center_square = np.float32(shape_size) // 2
    square_size = min(shape_size) // 3
    pts1 = np.float32([center_square + square_size, [center_square[0] + square_size, center_square[1] - square_size],
                       center_square - square_size])
    pts2 = pts1 + moves
    M = cv2.getAffineTransform(pts1, pts2)
    image = cv2.warpAffine(image, M, shape_size[::-1], borderMode=cv2.BORDER_REFLECT_101)
    dx = (gauss(fx, c[1], mode="reflect", truncate=3) * c[0]).astype(np.float32)
    dy = (gauss(fy, c[1], mode="reflect", truncate=3) * c[0]).astype(np.float32)
    dx, dy = dx[..., None], dy[..., None]
    xx, yy, zz = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]), np.arange(shape[2]))
    indices = np.reshape(yy + dy, (-1, 1)), np.reshape(xx + dx, (-1, 1)), np.reshape(zz, (-1, 1))
    return np.uint8(np.clip(ndimage.map_coordinates(image, indices, order=1, mode="reflect").reshape(shape), 0, 1) * 255)


def disk_ref(radius, alias_blur=0.1, dtype=np.float32):
    if radius <= 8:
        L = np.arange(-8, 8 + 1)
        ksize = (3, 3)
    else:
        L = np.arange(-radius, radius + 1)
        ksize = (5, 5)
    X, Y = np.meshgrid(L, L)
    aliased_disk = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=dtype)
    aliased_disk /= np.sum(aliased_disk)
    return cv2.GaussianBlur(aliased_disk, ksize=ksize, sigmaX=alias_blur)


def defocus_ref(x, s, table):
    c = TABLES[table]["defocus_blur"][s - 1]
    x = np.array(x) / 255.
    kernel = disk_ref(radius=c[0], alias_blur=c[1])
    channels = np.array([cv2.filter2D(x[:, :, d], -1, kernel) for d in range(3)]).transpose((1, 2, 0))
    return np.uint8(np.clip(channels, 0, 1) * 255)


def gaussian_blur_ref(x, s, table):
    c = TABLES[table]["gaussian_blur"][s - 1]
    return np.uint8(np.clip(gauss(np.array(x) / 255., c), 0, 1) * 255)


def contrast_ref(x, s, table):
    c = TABLES[table]["contrast"][s - 1]
    x = np.array(x) / 255.
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.uint8(np.clip((x - means) * c + means, 0, 1) * 255)


def brightness_ref(x, s, table):
    import skimage.color

    c = TABLES[table]["brightness"][s - 1]
    x = skimage.color.rgb2hsv(np.array(x) / 255.)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    return np.uint8(np.clip(skimage.color.hsv2rgb(x), 0, 1) * 255)


def saturate_ref(x, s, table):
    import skimage.color

    c = TABLES[table]["saturate"][s - 1]
    x = skimage.color.rgb2hsv(np.array(x) / 255.)
    x[:, :, 1] = np.clip(x[:, :, 1] * c[0] + c[1], 0, 1)
    return np.uint8(np.clip(skimage.color.hsv2rgb(x), 0, 1) * 255)


def speckle_ref(x, s, table, normal):
    c = TABLES[table]["speckle_noise"][s - 1]
    x = np.array(x) / 255.
    return np.uint8(np.clip(x + x * (c * normal), 0, 1) * 255)  # np.random.normal(scale=c) = c * N(0, 1)
