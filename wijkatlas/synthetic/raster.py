"""A 10 m GeoTIFF of the share of green (%) for a synthetic town."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.features import geometry_mask
from rasterio.transform import from_origin

from wijkatlas.synthetic.town import Town

CELL_M = 10.0
NODATA = 255


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale_cells: float) -> np.ndarray:
    """Gaussian-filtered white noise (via FFT), scaled to mean 0 and std 1."""
    noise = rng.normal(size=shape)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    kernel = np.exp(-2 * (np.pi * scale_cells) ** 2 * (fx**2 + fy**2))
    smooth = np.fft.irfft2(np.fft.rfft2(noise) * kernel, s=shape)
    return (smooth - smooth.mean()) / smooth.std()


def write_groen_raster(rng: np.random.Generator, town: Town, vbo: gpd.GeoDataFrame, path: Path) -> None:
    """Write the share of green per 10 m cell: low where buildings are dense, nodata outside the gemeente."""
    xmin, ymin, xmax, ymax = (np.array(town.gemeente.bounds) + [-200, -200, 200, 200]).round(-1)
    width, height = int((xmax - xmin) / CELL_M), int((ymax - ymin) / CELL_M)
    transform = from_origin(xmin, ymax, CELL_M, CELL_M)
    xy = np.column_stack([vbo.geometry.x, vbo.geometry.y])
    counts, _, _ = np.histogram2d(ymax - xy[:, 1], xy[:, 0] - xmin, bins=(height, width),
                                  range=((0, height * CELL_M), (0, width * CELL_M)))
    density = np.fft.irfft2(np.fft.rfft2(counts) * np.exp(
        -2 * (np.pi * 6) ** 2 * (np.fft.fftfreq(height)[:, None] ** 2 + np.fft.rfftfreq(width)[None, :] ** 2)
    ), s=counts.shape)
    green = 80 - 600 * density + 9 * _smooth_noise(rng, (height, width), 25) + 6 * _smooth_noise(rng, (height, width), 4)
    water = geometry_mask([town.water], out_shape=(height, width), transform=transform, invert=True)
    green[water] = 8
    outside = geometry_mask([town.gemeente], out_shape=(height, width), transform=transform)
    values = np.clip(np.round(green), 0, 100).astype(np.uint8)
    values[outside] = NODATA
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "uint8",
        "crs": "EPSG:28992", "transform": transform, "nodata": NODATA,
        "compress": "deflate", "tiled": True, "blockxsize": 256, "blockysize": 256,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
        dst.update_tags(1, name="groen", unit="%", description="Aandeel groen per cel van 10 m")
