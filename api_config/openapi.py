"""Making pygeoapi's OpenAPI document complete and truthful for this service.

pygeoapi refers to OGC components on remote hosts; these are replaced by local
definitions (``ogc_components.yaml``) so the document works offline and can
drive schema-based testing. Parameters a collection's provider cannot honour
(``sortby``, ``datetime``) and free vendor parameters, which the request guard
refuses, are removed, and ``crs``/``bbox-crs`` list the CRSs actually offered.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from urllib.parse import urlparse

import yaml

from wijkatlas.api_config.pygeoapi_config import OUTPUT_CRS, capabilities

OGC_COMPONENTS = Path(__file__).with_name("ogc_components.yaml")
COMPONENT_KINDS = ("parameters", "responses", "schemas")


def complete_document(document: dict, config: dict) -> dict:
    """A copy of ``document`` with local components and each collection's real query parameters."""
    completed = deepcopy(document)
    local = yaml.safe_load(OGC_COMPONENTS.read_text(encoding="utf-8"))
    _localise_refs(completed, completed["components"], local)
    for kind in ("crs", "bbox-crs"):
        completed["components"]["parameters"][kind]["schema"] = {"type": "string", "format": "uri",
                                                                 "enum": OUTPUT_CRS}
    for name, resource in config["resources"].items():
        sortable, time_filter = capabilities(resource["providers"][0])
        unsupported = {"vendorSpecificParameters"} | ({"sortby"} if not sortable else set()) | (
            {"datetime"} if not time_filter else set()) | (
            set() if "storage_crs" in resource["providers"][0] else {"bbox", "bbox-crs", "crs"})
        for path in (f"/collections/{name}/items", f"/collections/{name}/items/{{featureId}}"):
            operation = completed["paths"].get(path, {}).get("get")
            if operation:
                operation["parameters"] = [p for p in operation["parameters"]
                                           if _parameter_name(p) not in unsupported]
    return completed


def _localise_refs(node: object, components: dict, local: dict) -> None:
    """Point every remote ``$ref`` under ``node`` at a component of the same name, copied from ``local``."""
    if isinstance(node, list):
        for item in node:
            _localise_refs(item, components, local)
        return
    if not isinstance(node, dict):
        return
    reference = node.get("$ref", "")
    if reference.startswith("http"):
        kind, name = _component_of(reference)
        if name not in local.get(kind, {}):
            raise KeyError(f"no local definition of {reference} in {OGC_COMPONENTS}")
        components.setdefault(kind, {}).setdefault(name, local[kind][name])
        node["$ref"] = f"#/components/{kind}/{name}"
        _localise_refs(local[kind][name], components, local)
    for value in list(node.values()):
        _localise_refs(value, components, local)


def _component_of(reference: str) -> tuple[str, str]:
    """(kind, name) of a remote reference: from its fragment, else from its file path."""
    url = urlparse(reference)
    parts = (url.fragment or url.path).strip("/").split("/")
    name = parts[-1].removesuffix(".yaml")
    kind = next(part for part in reversed(parts[:-1]) if part in COMPONENT_KINDS)
    return kind, name


def _parameter_name(parameter: dict) -> str:
    return parameter.get("name") or parameter["$ref"].rsplit("/", 1)[-1]
