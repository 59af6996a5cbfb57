"""Locating addresses (postcode + huisnummer) against the loaded BAG, without an online service."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from wijkatlas.geo._tables import normalise_postcode, parse_numbers


def geocode_addresses(
    postcode: pd.Series,
    huisnummer: pd.Series,
    verblijfsobjecten: gpd.GeoDataFrame,
    *,
    huisletter: pd.Series | None = None,
) -> gpd.GeoSeries:
    """The BAG point of each address; missing where the address is not in the BAG.

    When several verblijfsobjecten share postcode and huisnummer (apartments,
    huisletters), a given huisletter picks its own; otherwise the one without
    huisletter and toevoeging, else the lowest identificatie, is used.

    Parameters
    ----------
    postcode, huisnummer
        Aligned on the records to locate; postcode in any spelling (``1234 ab``).
    verblijfsobjecten
        Output of :func:`wijkatlas.geo.bag.load_verblijfsobjecten`.
    """
    wanted = pd.DataFrame(
        {
            "postcode": normalise_postcode(postcode),
            "huisnummer": parse_numbers(huisnummer)[0].astype("Int64"),
            "huisletter": (huisletter.astype("string").str.upper().str.strip()
                           if huisletter is not None else pd.Series(pd.NA, index=postcode.index, dtype="string")),
        },
        index=postcode.index,
    )
    bag = verblijfsobjecten[["postcode", "huisnummer", "huisletter", "toevoeging", "identificatie", "geometry"]]
    bag = bag[bag["postcode"].isin(wanted["postcode"].dropna().unique())]  # the country's BAG: only these postcodes
    bag = bag.assign(
        bare=bag["huisletter"].isna() & bag["toevoeging"].isna(),
        huisletter=bag["huisletter"].astype("string").str.upper(),
    ).sort_values(["bare", "identificatie"], ascending=[False, True])
    by_letter = bag.dropna(subset=["huisletter"]).drop_duplicates(["postcode", "huisnummer", "huisletter"])
    by_number = bag.drop_duplicates(["postcode", "huisnummer"])

    located = wanted.reset_index().merge(
        by_letter[["postcode", "huisnummer", "huisletter", "geometry"]], how="left",
        on=["postcode", "huisnummer", "huisletter"],
    ).set_index(wanted.index.name or "index")["geometry"]
    fallback = wanted.reset_index().merge(
        by_number[["postcode", "huisnummer", "geometry"]], how="left", on=["postcode", "huisnummer"]
    ).set_index(wanted.index.name or "index")["geometry"]
    points = located.where(located.notna(), fallback)
    points.index = wanted.index
    return gpd.GeoSeries(points, crs=verblijfsobjecten.crs)
