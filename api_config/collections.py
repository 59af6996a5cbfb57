"""The declared OGC API collections (``api_config/collections.toml``), loaded and checked."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from wijkatlas.errors import ConfigError
from wijkatlas.publication import NEVER_PUBLISHED, is_public_layer
from wijkatlas.vocabulary import LEVELS

DEFAULT_COLLECTIONS = Path(__file__).with_name("collections.toml")
KEYS = {"layer", "id_field", "title", "description", "keywords", "columns", "rename", "source", "temporal",
        "indicators", "level"}
REQUIRED = {"layer", "id_field", "title", "description", "keywords", "source"}


@dataclass(frozen=True)
class CollectionSpec:
    """One published collection: which layer, which columns, and its metadata."""

    id: str
    layer: str
    id_field: str
    title: str
    description: str
    keywords: tuple[str, ...]
    source: str
    intern: bool
    columns: tuple[str, ...] | None = None  # None: every column
    rename: dict[str, str] = field(default_factory=dict)
    temporal: str = ""
    indicators: tuple[str, ...] = ()  # for a per-area time series from indicatoren_lang_*
    level: str = ""


def load_collections(path: Path = DEFAULT_COLLECTIONS) -> list[CollectionSpec]:
    """All collections of ``path``, public ones first; raises :class:`ConfigError` on any mistake."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: collecties niet te lezen: {error}") from error
    specs = []
    for section, intern in (("collection", False), ("intern", True)):
        for collection_id, entry in raw.get(section, {}).items():
            where = f"{path}: [{section}.{collection_id}]"
            if unknown := set(entry) - KEYS:
                raise ConfigError(f"{where}: onbekende sleutel(s) {sorted(unknown)}")
            if missing := REQUIRED - set(entry):
                raise ConfigError(f"{where}: ontbrekende sleutel(s) {sorted(missing)}")
            if "indicators" not in entry and "columns" not in entry:
                raise ConfigError(f"{where}: geef 'columns' of 'indicators'")
            if "level" in entry and entry["level"] not in LEVELS:
                raise ConfigError(f"{where}: level {entry['level']!r} is geen niveau; kies uit {list(LEVELS)}")
            if intern != entry["layer"].endswith("_intern"):
                raise ConfigError(f"{where}: laag {entry['layer']!r} hoort niet in [{section}]")
            if entry["layer"] in NEVER_PUBLISHED or not (intern or is_public_layer(entry["layer"])):
                raise ConfigError(f"{where}: laag {entry['layer']!r} bevat losse records die volgens het "
                                  "publicatiebeleid (wijkatlas.publication) niet openbaar zijn")
            columns = entry.get("columns", "*")
            specs.append(CollectionSpec(
                id=collection_id,
                layer=entry["layer"],
                id_field=entry["id_field"],
                title=entry["title"],
                description=entry["description"],
                keywords=tuple(entry["keywords"]),
                source=entry["source"],
                intern=intern,
                columns=None if columns == "*" else tuple(columns),
                rename=dict(entry.get("rename", {})),
                temporal=entry.get("temporal", ""),
                indicators=tuple(entry.get("indicators", ())),
                level=entry.get("level", ""),
            ))
    return specs
