"""Read OGC API collections with QGIS's own OAPIF provider, headless; prints JSON per collection.

Run with Debian's Python, which has the ``qgis`` bindings (``python3-qgis``):
``QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_read.py URL COLLECTION...``
"""

import json
import sys

from qgis.core import QgsApplication, QgsVectorLayer


def plain(value):
    """A QVariant-free value for JSON: None for NULL, ISO text for dates."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    if hasattr(value, "toString") and not isinstance(value, str):
        return value.toString("yyyy-MM-ddTHH:mm:ss")
    return value


def read(url, collection):
    layer = QgsVectorLayer(f"url='{url}' typename='{collection}' pagingEnabled='true'", collection, "OAPIF")
    if not layer.isValid():
        return {"valid": False, "error": layer.error().summary()}
    names = [field.name() for field in layer.fields()]
    features = [dict(zip(names, map(plain, feature.attributes()), strict=True)) for feature in layer.getFeatures()]
    return {"valid": True, "crs": layer.crs().authid(), "fields": names, "features": features}


if __name__ == "__main__":
    application = QgsApplication([], False)
    application.initQgis()
    print(json.dumps({name: read(sys.argv[1], name) for name in sys.argv[2:]}))
    application.exitQgis()
