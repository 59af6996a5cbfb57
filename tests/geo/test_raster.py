import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from wijkatlas.errors import CRSError
from wijkatlas.geo.raster import zonal_statistics


def write_raster(path, values, *, crs="EPSG:28992", cell=50.0):
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype=values.dtype, crs=crs, transform=from_origin(0, 200, cell, cell), nodata=255) as dst:
        dst.write(values, 1)


def test_mean_sum_and_counts_per_buurt_from_cell_centres(tmp_path, grid_buurten):
    # 50 m cells: each 100 m buurt holds a 2 x 2 block of cells.
    values = np.array([[10, 20, 1, 1],
                       [30, 40, 1, 255],
                       [0, 0, 7, 9],
                       [0, 0, 255, 255]], dtype=np.uint8)
    write_raster(tmp_path / "groen.tif", values)
    stats = zonal_statistics(tmp_path / "groen.tif", grid_buurten, code="buurtcode").set_index("buurtcode")
    assert stats.loc["BU00010100", "gemiddelde"] == 25.0          # top left: 10, 20, 30, 40
    assert stats.loc["BU00010101", "som"] == 3.0                  # top right: 1, 1, 1 and nodata
    assert stats.loc["BU00010101", "aantal_cellen_nodata"] == 1
    assert stats.loc["BU00010001", "gemiddelde"] == 8.0           # bottom right: 7, 9, two nodata
    assert stats.loc["BU00010000", "aantal_cellen"] == 4
    assert stats["aantal_cellen"].sum() + stats["aantal_cellen_nodata"].sum() == 16


def test_area_without_valid_cells_has_no_mean(tmp_path, grid_buurten):
    write_raster(tmp_path / "leeg.tif", np.full((4, 4), 255, dtype=np.uint8))
    stats = zonal_statistics(tmp_path / "leeg.tif", grid_buurten, code="buurtcode")
    assert stats["gemiddelde"].isna().all()


def test_geographic_raster_is_refused_with_the_fix(tmp_path, grid_buurten):
    write_raster(tmp_path / "wgs.tif", np.zeros((4, 4), dtype=np.uint8), crs="EPSG:4326", cell=0.001)
    with pytest.raises(CRSError, match=r"wgs\.tif: raster heeft een geografisch coördinatenstelsel.*gdalwarp"):
        zonal_statistics(tmp_path / "wgs.tif", grid_buurten, code="buurtcode")
