"""Publishing the public results as OGC API Features with pygeoapi."""
