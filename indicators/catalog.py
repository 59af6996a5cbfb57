"""Loading and validating the indicator catalog (``indicators/catalog.toml``).

The catalog is data: adding an indicator of an existing formula kind needs no
code. :func:`load_catalog` checks it completely and reports every problem at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from wijkatlas.errors import WijkatlasError
from wijkatlas.indicators.formulas import FORMULAS
from wijkatlas.vocabulary import LEVEL_NAMES

DEFAULT_CATALOG = Path(__file__).with_name("catalog.toml")
LEVELS = LEVEL_NAMES
SECTIONS = {"defaults", "sources", "sets", "basis", "disclosure", "indicator", "signals", "similar_areas"}
TERM_KINDS = ("set", "cbs", "area", "raster", "indicator", "located")
#: what a basis figure (tested by disclosure rules) may be: not another indicator, which is computed later
BASIS_KINDS = ("set", "cbs", "area", "located")
TERM_KEYS = set(TERM_KINDS) | {"field", "where", "where_contains", "where_range"}
INDICATOR_KEYS = {
    "title", "description", "theme", "unit", "kind", "numerator", "denominator", "value", "weight", "origins",
    "targets", "factor", "radius_m", "additive", "higher_is_better", "disclosure", "disclosure_min", "sources",
    "owner", "levels", "peiljaren", "viewers", "streefwaarde", "referentiewaarde",
}
TARGET_KEYS = {"value", "year", "direction", "source", "areas"}
#: how a target is met, and how the profile says it
TARGET_DIRECTIONS = {"at_most": "hoogstens", "at_least": "minstens"}
SIGNAL_KEYS = {"z", "min_indicators", "min_inhabitants", "population", "trend_years", "trend_min_change_pct"}
SIMILARITY_KEYS = {"features", "k"}
#: what a gemeente's own additions to a shared catalog (``[indicators] local``) may set
LOCAL_INDICATOR_KEYS = {"streefwaarde", "referentiewaarde", "owner"}
LOCAL_SOURCE_KEYS = {"owner", "feedback"}
TERM_SLOTS = {"numerator", "denominator", "value", "weight", "origins", "targets"}
RULE_KEYS = {"description", "round_to", "round_teller", "round_noemer", "min", "secret_range", "min_count",
             "min_records", "protection"}
#: a hidden count must stay compatible with at least this many values besides its lowest, unless a rule says more
DEFAULT_PROTECTION = 5


class CatalogError(WijkatlasError):
    """The indicator catalog is malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class Term:
    """One input of an indicator: a record set (filtered), a CBS variable, an area attribute, a raster or another indicator."""

    kind: str
    name: str
    field: str | None = None
    where: tuple[tuple[str, tuple], ...] = ()
    where_contains: tuple[tuple[str, tuple], ...] = ()
    where_range: tuple[tuple[str, tuple[float, float]], ...] = ()


@dataclass(frozen=True)
class RecordSet:
    """Records of a datapakhuis layer; ``year_field`` dates them, otherwise they are a snapshot."""

    name: str
    layer: str
    where: tuple[tuple[str, tuple], ...] = ()
    year_field: str | None = None


@dataclass(frozen=True)
class DisclosureRule:
    """When a figure may be published: rounding, minimum basis figures, secret value ranges, minimum counts."""

    name: str
    description: str
    round_to: int | None = None
    minimum: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    secret_range: tuple[float, float] | None = None
    min_count: int | None = None
    #: a public ratio is computed from its numerator / denominator rounded to this step, so that
    #: value × published denominator gives back no exact count
    round_teller: int | None = None
    round_noemer: int | None = None
    #: a sum (revenue) is published only when at least this many records make it up
    min_records: int | None = None
    #: the width of the interval every hidden count must keep against the attacker's audit
    protection: int = DEFAULT_PROTECTION


@dataclass(frozen=True)
class Source:
    """Where figures come from: owner, licence and attribution."""
    key: str
    title: str
    owner: str
    licence: str
    attribution: str
    url: str = ""
    #: where users report an error in the source (an e-mail address or a web form)
    feedback: str = ""
    #: the datapakhuis layers this source delivers (their read, rejected and outside records)
    layers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A policy target (kadernota): stay at or below (``at_most``) or reach (``at_least``) ``value`` by ``year``.

    ``areas`` holds targets of single areas by gebiedscode (a wijk's also holds for its
    buurten without their own); the others share ``value``.
    """

    value: float
    year: int
    direction: str
    source: str
    areas: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def value_for(self, gebiedscode: str) -> float:
        """The target of one area."""
        wijkcode = "WK" + gebiedscode[2:8] if gebiedscode.startswith("BU") else gebiedscode  # CBS: BU + wijk digits
        return float(self.areas.get(gebiedscode, self.areas.get(wijkcode, self.value)))

    def missed(self, value: float, gebiedscode: str) -> bool:
        """Whether ``value`` lies on the wrong side of the area's target."""
        target = self.value_for(gebiedscode)
        return value > target if self.direction == "at_most" else value < target

    def describe(self, gebiedscode: str) -> str:
        """The target in words, e.g. "hoogstens 30 in 2026 (Kadernota 2025)"."""
        value = f"{self.value_for(gebiedscode):g}".replace(".", ",")
        return f"{TARGET_DIRECTIONS[self.direction]} {value} in {self.year}" + (f" ({self.source})" if self.source else "")


@dataclass(frozen=True)
class Reference:
    """A value to compare with from outside the build (e.g. Nederland according to CBS)."""

    value: float
    label: str


@dataclass(frozen=True)
class SignalRules:
    """When an area is signalled (early warning); ``[signals]`` in the catalog."""

    #: an indicator deviates unfavourably at this many standard deviations from the mean of the level
    z: float = 1.0
    #: ... on at least this many indicators of one theme
    min_indicators: int = 2
    #: areas with fewer inhabitants (``population``, an indicator) are not signalled: their rates say little
    min_inhabitants: int = 500
    population: str = "inwoners"
    #: a trend signal: this many year-on-year changes in a row unfavourable ...
    trend_years: int = 2
    #: ... adding up to at least this many percent of the first value
    trend_min_change_pct: float = 10.0


@dataclass(frozen=True)
class SimilarityRules:
    """Which structural indicators make areas similar, and how many similar areas each gets; ``[similar_areas]``."""

    features: tuple[str, ...] = ()
    k: int = 5


@dataclass(frozen=True)
class Indicator:
    """One declared indicator, with its disclosure rule already tightened by ``disclosure_min``."""

    id: str
    title: str
    description: str
    theme: str
    unit: str
    kind: str
    terms: MappingProxyType
    factor: float
    radius_m: float | None
    additive: bool
    higher_is_better: bool | None
    disclosure: DisclosureRule
    sources: tuple[Source, ...]
    owner: str
    levels: tuple[str, ...]
    peiljaren: tuple[int, ...] | None
    #: the maps that show it as context besides the gebiedsprofiel (e.g. ``sport``)
    viewers: tuple[str, ...] = ()
    target: Target | None = None
    reference: Reference | None = None

    @property
    def weighted(self) -> bool:
        """Whether it is a figure as published (CBS's mean or share) weighted by a count: numerator = value × weight."""
        return FORMULAS[self.kind].scale is None and "weight" in self.terms

    @property
    def licence(self) -> str:
        """The most demanding licence of its sources (attribution required if any source requires it)."""
        licences = {s.licence for s in self.sources}
        return "CC BY 4.0" if "CC BY 4.0" in licences else sorted(licences)[0]

    @property
    def attribution(self) -> str:
        """Every source's attribution, once each."""
        return "; ".join(dict.fromkeys(s.attribution for s in self.sources))


@dataclass(frozen=True)
class Catalog:
    """A validated catalog: indicators, record sets, basis figures, disclosure rules and sources."""
    indicators: MappingProxyType
    sets: MappingProxyType
    basis: MappingProxyType
    rules: MappingProxyType
    sources: MappingProxyType
    signals: SignalRules = SignalRules()
    similarity: SimilarityRules = SimilarityRules()

    def ordered(self) -> list[Indicator]:
        """Indicators in dependency order: one that uses another comes after it."""
        order: list[str] = []

        def visit(indicator_id: str) -> None:
            if indicator_id in order:
                return
            for term in self.indicators[indicator_id].terms.values():
                if term.kind == "indicator":
                    visit(term.name)
            order.append(indicator_id)

        for indicator_id in self.indicators:
            visit(indicator_id)
        return [self.indicators[i] for i in order]


def load_catalog(path: Path = DEFAULT_CATALOG, local: Path | None = None) -> Catalog:
    """Read and validate a catalog, with a gemeente's own additions (``local``) laid over it.

    ``local`` holds what differs per gemeente for a shared catalog: kadernota
    targets, reference values and owners per indicator (``[indicator.<id>]``),
    owners and feedback addresses per source (``[sources.<key>]``).

    Raises
    ------
    CatalogError
        Listing every unknown key, missing or unknown reference, invalid rule and dependency cycle.
    """
    raw = _read_toml(path, "indicatorcatalogus")
    if local is not None:
        raw = _overlay(raw, _read_toml(local, "catalogusaanvulling"), local)
    problems: list[str] = []
    _unknown(problems, "", raw, SECTIONS)
    defaults = raw.get("defaults", {})

    sources = {key: Source(key, s.get("title", key), s.get("owner", ""), s.get("licence", ""), s.get("attribution", ""),
                           s.get("url", ""), s.get("feedback", ""), tuple(s.get("layers", ())))
               for key, s in raw.get("sources", {}).items()}
    for key, source in sources.items():
        if not source.licence:
            problems.append(f"sources.{key}: licence ontbreekt")

    sets = {}
    for name, entry in raw.get("sets", {}).items():
        _unknown(problems, f"sets.{name}", entry, {"layer", "where", "year_field"})
        if "layer" not in entry:
            problems.append(f"sets.{name}: layer ontbreekt")
        sets[name] = RecordSet(name, entry.get("layer", ""), _conditions(entry.get("where", {})), entry.get("year_field"))

    rules = {}
    for name, entry in raw.get("disclosure", {}).items():
        _unknown(problems, f"disclosure.{name}", entry, RULE_KEYS)
        protection = entry.get("protection", DEFAULT_PROTECTION)
        if isinstance(protection, bool) or not isinstance(protection, int) or protection < 1:
            problems.append(f"disclosure.{name}.protection: {protection!r} is geen geheel getal van minstens 1 "
                            f"(standaard {DEFAULT_PROTECTION})")
            entry = {k: v for k, v in entry.items() if k != "protection"}
        rules[name] = _rule(name, entry)

    basis = {}
    for name, entry in raw.get("basis", {}).items():
        basis[name] = _term(problems, f"basis.{name}", entry, sets)
        if basis[name].kind not in BASIS_KINDS + ("invalid",):
            problems.append(f"basis.{name}: een basisgegeven is een van {list(BASIS_KINDS)}, geen "
                            f"'{basis[name].kind}' (het wordt vóór de indicatoren berekend)")
    for name, rule in rules.items():
        for key in rule.minimum:
            if key not in basis:
                problems.append(f"disclosure.{name}: min.{key} is geen basisgegeven; bekend: {sorted(basis)}")

    indicators = {}
    for indicator_id, entry in raw.get("indicator", {}).items():
        indicator = _indicator(problems, indicator_id, entry, defaults, sets, rules, sources, basis)
        if indicator is not None:
            indicators[indicator_id] = indicator
    for indicator in indicators.values():
        for slot, term in indicator.terms.items():
            if term.kind == "indicator" and term.name not in indicators:
                problems.append(f"indicator.{indicator.id}.{slot}: indicator '{term.name}' bestaat niet")
    problems += _cycles(indicators)
    problems += _rounding_gaps(indicators, basis)
    signals = _signal_rules(problems, raw.get("signals", {}), indicators)
    similarity = _similarity_rules(problems, raw.get("similar_areas", {}), indicators)
    if problems:
        raise CatalogError(f"{path}: {len(problems)} probleem/problemen: " + "; ".join(problems))
    return Catalog(MappingProxyType(indicators), MappingProxyType(sets), MappingProxyType(basis),
                   MappingProxyType(rules), MappingProxyType(sources), signals=signals, similarity=similarity)


def _read_toml(path: Path, what: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{what} {path} niet gevonden") from None
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{path}: geen geldige TOML: {error}") from error


def _overlay(raw: dict, local: dict, path: Path) -> dict:
    """The catalog with a gemeente's own targets, reference values, owners and feedback addresses."""
    problems: list[str] = []
    _unknown(problems, "", local, {"indicator", "sources"})
    merged = {**raw, "indicator": dict(raw.get("indicator", {})), "sources": dict(raw.get("sources", {}))}
    for section, allowed in (("indicator", LOCAL_INDICATOR_KEYS), ("sources", LOCAL_SOURCE_KEYS)):
        for key, entry in local.get(section, {}).items():
            if key not in merged[section]:
                problems.append(f"{section}.{key} staat niet in de catalogus")
                continue
            _unknown(problems, f"{section}.{key}", entry, allowed)
            merged[section][key] = {**merged[section][key], **entry}
    if problems:
        raise CatalogError(f"{path}: {len(problems)} probleem/problemen: " + "; ".join(problems))
    return merged


def _signal_rules(problems: list[str], entry: dict, indicators: dict[str, Indicator]) -> SignalRules:
    _unknown(problems, "signals", entry, SIGNAL_KEYS)
    rules = SignalRules(**{k: v for k, v in entry.items() if k in SIGNAL_KEYS})
    for key in SIGNAL_KEYS - {"population"}:
        value = getattr(rules, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(f"signals.{key}: {value!r} is geen positief getal")
    if "population" in entry and rules.population not in indicators:
        problems.append(f"signals.population: indicator '{rules.population}' bestaat niet")
    return rules


def _similarity_rules(problems: list[str], entry: dict, indicators: dict[str, Indicator]) -> SimilarityRules:
    _unknown(problems, "similar_areas", entry, SIMILARITY_KEYS)
    features = tuple(entry.get("features", ()))
    for feature in features:
        if feature not in indicators:
            problems.append(f"similar_areas.features: indicator '{feature}' bestaat niet")
    k = entry.get("k", SimilarityRules.k)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        problems.append(f"similar_areas.k: {k!r} is geen geheel getal van minstens 1")
    return SimilarityRules(features, k)


def _target(problems: list[str], where: str, entry: object) -> Target | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: moet een tabel zijn, bv. {{ value = 30, year = 2026, direction = \"at_most\" }}")
        return None
    before = len(problems)
    _unknown(problems, where, entry, TARGET_KEYS)
    direction = entry.get("direction")
    if direction not in TARGET_DIRECTIONS:
        problems.append(f"{where}.direction: {direction!r} moet een van {sorted(TARGET_DIRECTIONS)} zijn")
    values = [entry.get("value"), *dict(entry.get("areas", {})).values()]
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        problems.append(f"{where}: value en areas moeten getallen zijn")
    if not isinstance(entry.get("year"), int):
        problems.append(f"{where}.year: geef het jaar waarin de streefwaarde gehaald moet zijn")
    if len(problems) > before:
        return None
    return Target(float(entry["value"]), int(entry["year"]), str(direction), str(entry.get("source", "")),
                  MappingProxyType({str(k): float(v) for k, v in entry.get("areas", {}).items()}))


def _reference(problems: list[str], where: str, entry: object) -> Reference | None:
    if not isinstance(entry, dict) or set(entry) != {"value", "label"} or isinstance(entry["value"], bool) \
            or not isinstance(entry["value"], int | float):
        problems.append(f"{where}: geef {{ value = <getal>, label = \"Nederland 2024 (CBS)\" }}")
        return None
    return Reference(float(entry["value"]), str(entry["label"]))


def _indicator(problems, indicator_id, entry, defaults, sets, rules, sources, basis) -> Indicator | None:
    where = f"indicator.{indicator_id}"
    _unknown(problems, where, entry, INDICATOR_KEYS)
    for key in ("title", "description", "theme", "unit", "kind", "disclosure", "sources"):
        if key not in entry:
            problems.append(f"{where}: {key} ontbreekt")
    kind = entry.get("kind")
    if kind is not None and kind not in FORMULAS:
        problems.append(f"{where}: kind '{kind}' onbekend; bekend: {sorted(FORMULAS)}")
        return None
    if kind is None:
        return None
    formula = FORMULAS[kind]
    given = {slot for slot in TERM_SLOTS if slot in entry}
    for slot in sorted(formula.slots - given):
        problems.append(f"{where}: soort '{kind}' vraagt '{slot}'")
    for slot in sorted(given - formula.slots - formula.optional):
        problems.append(f"{where}: soort '{kind}' kent geen '{slot}'")
    for option in sorted(formula.options - set(entry)):
        problems.append(f"{where}: soort '{kind}' vraagt '{option}'")
    terms = {slot: _term(problems, f"{where}.{slot}", entry[slot], sets) for slot in sorted(given)}
    rule = rules.get(entry.get("disclosure", ""))
    if rule is None and "disclosure" in entry:
        problems.append(f"{where}: disclosure '{entry['disclosure']}' onbekend; bekend: {sorted(rules)}")
    elif rule is not None and "disclosure_min" in entry:
        rule = _tighten(problems, where, rule, entry["disclosure_min"], basis)
    unknown_sources = [s for s in entry.get("sources", []) if s not in sources]
    if unknown_sources:
        problems.append(f"{where}: bronnen {unknown_sources} staan niet onder [sources]")
    levels = tuple(entry.get("levels", defaults.get("levels", LEVELS)))
    if not set(levels) <= set(LEVELS):
        problems.append(f"{where}: levels {list(levels)} moeten uit {list(LEVELS)} komen")
    target = _target(problems, f"{where}.streefwaarde", entry["streefwaarde"]) if "streefwaarde" in entry else None
    reference = (_reference(problems, f"{where}.referentiewaarde", entry["referentiewaarde"])
                 if "referentiewaarde" in entry else None)
    if rule is None or unknown_sources:
        return None
    return Indicator(
        id=indicator_id, title=entry.get("title", ""), description=entry.get("description", ""),
        theme=entry.get("theme", ""), unit=entry.get("unit", ""), kind=kind, terms=MappingProxyType(terms),
        factor=float(entry.get("factor", 1.0)), radius_m=entry.get("radius_m"),
        additive=bool(entry.get("additive", formula.additive and kind != "cbs")),
        higher_is_better=entry.get("higher_is_better"), disclosure=rule,
        sources=tuple(sources[s] for s in entry.get("sources", [])),
        owner=entry.get("owner", defaults.get("owner", "")), levels=levels,
        peiljaren=tuple(entry["peiljaren"]) if "peiljaren" in entry else None,
        viewers=tuple(entry.get("viewers", ())), target=target, reference=reference,
    )


def _term(problems: list[str], where: str, entry: object, sets: dict) -> Term:
    if not isinstance(entry, dict):
        problems.append(f"{where}: moet een tabel zijn, bv. {{ set = \"woningen\" }}")
        return Term("invalid", "")
    _unknown(problems, where, entry, TERM_KEYS)
    kinds = [k for k in TERM_KINDS if k in entry]
    if len(kinds) != 1:
        problems.append(f"{where}: geef precies een van {list(TERM_KINDS)} op")
        return Term("invalid", "")
    kind = kinds[0]
    if kind in ("set", "located") and entry[kind] not in sets:
        problems.append(f"{where}: set '{entry[kind]}' bestaat niet; bekend: {sorted(sets)}")
    if kind != "set" and any(k in entry for k in ("field", "where", "where_contains", "where_range")):
        problems.append(f"{where}: field en where horen alleen bij een set")
    ranges = tuple((k, (float(v[0]), float(v[1]))) for k, v in entry.get("where_range", {}).items())
    return Term(kind, str(entry[kind]), entry.get("field"), _conditions(entry.get("where", {})),
                _conditions(entry.get("where_contains", {})), ranges)


def _conditions(where: dict) -> tuple[tuple[str, tuple], ...]:
    return tuple((k, tuple(v) if isinstance(v, list) else (v,)) for k, v in where.items())


def _rule(name: str, entry: dict) -> DisclosureRule:
    secret_range = entry.get("secret_range")
    return DisclosureRule(
        name=name, description=entry.get("description", ""), round_to=entry.get("round_to"),
        minimum=MappingProxyType(dict(entry.get("min", {}))),
        secret_range=tuple(secret_range) if secret_range else None, min_count=entry.get("min_count"),
        round_teller=entry.get("round_teller"), round_noemer=entry.get("round_noemer"),
        min_records=entry.get("min_records"), protection=entry.get("protection", DEFAULT_PROTECTION),
    )


def _tighten(problems: list[str], where: str, rule: DisclosureRule, tighter: dict, basis: dict) -> DisclosureRule:
    """The rule with stricter minimums; loosening a default is refused."""
    minimum = dict(rule.minimum)
    for key, value in tighter.items():
        if key not in basis:
            problems.append(f"{where}.disclosure_min: '{key}' is geen basisgegeven; bekend: {sorted(basis)}")
        elif key in minimum and value < minimum[key]:
            problems.append(f"{where}.disclosure_min: {key} = {value} is losser dan de standaard {minimum[key]} "
                            f"van regel '{rule.name}'; een indicator mag alleen aanscherpen")
        else:
            minimum[key] = value
    return replace(rule, minimum=MappingProxyType(minimum))


def _unknown(problems: list[str], where: str, entry: object, allowed: set[str]) -> None:
    if isinstance(entry, dict):
        for key in sorted(set(entry) - allowed):
            problems.append(f"onbekende sleutel '{where + '.' if where else ''}{key}'; toegestaan: {sorted(allowed)}")


def denominator_term(indicator: Indicator, basis: Mapping[str, Term]) -> Term | None:
    """The term an indicator divides by: its denominator slot, else the basis figure inwoners for a kind that
    divides by inhabitants (``per_1000``)."""
    found = indicator.terms.get("denominator")
    if found is None and FORMULAS[indicator.kind].denominator == "inwoners":
        found = basis.get("inwoners")
    return found


def _rounding_gaps(indicators: dict[str, Indicator], basis: dict[str, Term]) -> list[str]:
    """Ratios whose numerator or denominator is published rounded elsewhere, but which use it exactly:
    value × the published other side would give the exact count back."""
    rounded = {}
    for indicator in indicators.values():
        term = indicator.terms.get("value") or indicator.terms.get("numerator")
        if FORMULAS[indicator.kind].scale is None and indicator.disclosure.round_to and term is not None:
            rounded[term] = (indicator.id, indicator.disclosure.round_to)
    problems = []
    for indicator in indicators.values():
        formula = FORMULAS[indicator.kind]
        if formula.scale is None or formula.figures != "terms":
            continue
        rule = indicator.disclosure
        for side, term, step in (("teller", indicator.terms.get("numerator"), rule.round_teller),
                                 ("noemer", denominator_term(indicator, basis), rule.round_noemer)):
            if term in rounded and step != rounded[term][1]:
                shown, needed = rounded[term]
                problems.append(f"indicator.{indicator.id}: de {side} wordt als '{shown}' afgerond op {needed} "
                                f"gepubliceerd; regel '{rule.name}' moet round_{side} = {needed} hebben, anders geeft "
                                "de waarde met het gepubliceerde aantal het exacte aantal terug")
    return problems


def _cycles(indicators: dict[str, Indicator]) -> list[str]:
    """Dependency cycles between indicators, each named once as a path."""
    problems = []
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "busy"
        for term in indicators[node].terms.values():
            if term.kind != "indicator" or term.name not in indicators:
                continue
            if state.get(term.name) == "busy":
                cycle = path[path.index(term.name):] + [term.name]
                problems.append(f"kringverwijzing: {' -> '.join(cycle)}")
            elif term.name not in state:
                visit(term.name, path + [term.name])
        state[node] = "done"

    for node in indicators:
        if node not in state:
            visit(node, [node])
    return problems
