"""pygeoapi's OGR provider with its attribute filters quoted, and tables without geometry.

The stock provider pastes property values and item ids into an OGR SQL
``WHERE`` clause as they come (``field = 'value'``), so a quote in a request
changes the query. Here every value is a properly quoted SQL string literal.
It also fails on a feature without geometry, which attribute tables (the
indicator definitions) consist of.
"""

from __future__ import annotations

from pygeoapi.provider.ogr import OGRProvider


def sql_literal(value: object) -> str:
    """``value`` as an SQL string literal, with embedded quotes doubled."""
    return str(value).replace("'", "''")


class QuotedOGRProvider(OGRProvider):
    """OGRProvider whose property filters and item lookups cannot be escaped from."""

    def _ogr_feature_to_json(self, ogr_feature, skip_geometry=False, crs_transform_out=None):
        if ogr_feature.GetGeometryRef() is not None:
            return super()._ogr_feature_to_json(ogr_feature, skip_geometry, crs_transform_out)
        feature = ogr_feature.ExportToJson(as_object=True)
        feature["id"] = feature["properties"].pop(self.id_field, feature["id"])
        return feature

    def query(self, *args, properties=(), **kwargs):
        quoted = [(name, sql_literal(value)) for name, value in properties]
        return super().query(*args, properties=quoted, **kwargs)

    def get(self, identifier, crs_transform_spec=None, **kwargs):
        return super().get(sql_literal(identifier), crs_transform_spec=crs_transform_spec, **kwargs)
