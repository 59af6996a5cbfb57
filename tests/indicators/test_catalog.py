from pathlib import Path

import pytest

from wijkatlas.indicators.catalog import CatalogError, load_catalog

from helpers import SMALL_CATALOG as SMALL


def catalog_with(tmp_path, extra: str, *, base: str | None = None) -> Path:
    path = tmp_path / "catalogus.toml"
    path.write_text((base if base is not None else SMALL.read_text()) + "\n" + extra)
    return path


def test_shipped_catalog_has_at_least_30_defined_indicators():
    catalog = load_catalog()
    assert len(catalog.indicators) >= 30
    assert {i.theme for i in catalog.indicators.values()} >= {
        "bevolking", "wonen", "functiemenging", "sport", "kavels", "leefbaarheid", "groen"}
    for indicator in catalog.indicators.values():
        assert indicator.title and indicator.description and indicator.unit and indicator.owner
        assert indicator.licence in ("CC BY 4.0", "CC0 1.0") and indicator.sources
    assert catalog.indicators["gemiddelde_woz"].disclosure.minimum == {"woningen": 20, "verblijfsobjecten": 50}


def test_unknown_keys_kinds_and_slots_are_reported_together(tmp_path):
    path = catalog_with(tmp_path, '''
[indicator.fout]
title = "x"
description = "x"
theme = "x"
unit = "x"
kind = "share"
numerator = { set = "woningen" }
targets = { set = "sport" }
kleur = "rood"
disclosure = "geen"
sources = ["gemeente"]

[indicator.soort]
title = "x"
description = "x"
theme = "x"
unit = "x"
kind = "gemiddelde"
disclosure = "geen"
sources = ["gemeente"]
''')
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    message = str(raised.value)
    assert "onbekende sleutel 'indicator.fout.kleur'" in message
    assert "indicator.fout: soort 'share' vraagt 'denominator'" in message
    assert "indicator.fout: soort 'share' kent geen 'targets'" in message
    assert "indicator.soort: kind 'gemiddelde' onbekend; bekend: ['cbs', 'count'" in message


def test_missing_sets_sources_and_rules_are_named(tmp_path):
    path = catalog_with(tmp_path, '''
[indicator.wees]
title = "x"
description = "x"
theme = "x"
unit = "x"
kind = "count"
numerator = { set = "kavels" }
disclosure = "streng"
sources = ["kadaster"]
''')
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    message = str(raised.value)
    assert "set 'kavels' bestaat niet" in message
    assert "disclosure 'streng' onbekend" in message
    assert "bronnen ['kadaster'] staan niet onder [sources]" in message


def test_an_indicator_may_tighten_but_not_loosen_its_rule(tmp_path):
    template = '''
[indicator.{name}]
title = "x"
description = "x"
theme = "x"
unit = "%"
kind = "mean"
numerator = {{ set = "woningen", field = "oppervlakte" }}
disclosure = "woningen"
disclosure_min = {{ woningen = {minimum} }}
sources = ["gemeente"]
'''
    strict = load_catalog(catalog_with(tmp_path, template.format(name="streng", minimum=10)))
    assert strict.indicators["streng"].disclosure.minimum["woningen"] == 10
    assert strict.indicators["oppervlakte"].disclosure.minimum["woningen"] == 2  # the default is untouched
    with pytest.raises(CatalogError, match=r"woningen = 1 is losser dan de standaard 2 .* alleen aanscherpen"):
        load_catalog(catalog_with(tmp_path, template.format(name="los", minimum=1)))


def test_dependency_cycles_are_found(tmp_path):
    cycle = "".join(f'''
[indicator.{a}]
title = "x"
description = "x"
theme = "x"
unit = "x"
kind = "ratio"
numerator = {{ indicator = "{b}" }}
denominator = {{ cbs = "AantalInwoners" }}
disclosure = "geen"
sources = ["cbs"]
''' for a, b in (("a", "b"), ("b", "c"), ("c", "a")))
    with pytest.raises(CatalogError, match=r"kringverwijzing: a -> b -> c -> a"):
        load_catalog(catalog_with(tmp_path, cycle))


def test_indicators_may_build_on_each_other_in_dependency_order(tmp_path):
    path = catalog_with(tmp_path, '''
[indicator.woningen_per_inwoner]
title = "x"
description = "x"
theme = "wonen"
unit = "x"
kind = "ratio"
numerator = { indicator = "woningen" }
denominator = { cbs = "AantalInwoners" }
disclosure = "geen"
sources = ["cbs"]
''')
    order = [i.id for i in load_catalog(path).ordered()]
    assert order.index("woningen") < order.index("woningen_per_inwoner")


def test_unreadable_catalog(tmp_path):
    with pytest.raises(CatalogError, match=r"niet gevonden"):
        load_catalog(tmp_path / "weg.toml")


def test_the_catalog_knows_exactly_the_term_kinds_the_engine_evaluates():
    from wijkatlas.indicators import catalog, terms

    assert set(catalog.TERM_KINDS) == set(terms.TERM_KINDS)


def test_tightening_a_rule_keeps_every_other_field_of_it():
    from dataclasses import fields

    from wijkatlas.indicators.catalog import _tighten

    rule = load_catalog().rules["woz"]
    tightened = _tighten([], "indicator.x", rule, {"woningen": 40}, load_catalog().basis)
    assert tightened.minimum["woningen"] == 40
    assert all(getattr(tightened, f.name) == getattr(rule, f.name) for f in fields(rule) if f.name != "minimum")


@pytest.mark.parametrize("value", ["0", '"vijf"', "true", "2.5"])
def test_a_protection_width_must_be_a_whole_number_of_at_least_one(tmp_path, value):
    base = SMALL.read_text().replace('[disclosure.klein]\n', f'[disclosure.klein]\nprotection = {value}\n')
    with pytest.raises(CatalogError, match=r"disclosure\.klein\.protection: .* geen geheel getal van minstens 1"):
        load_catalog(catalog_with(tmp_path, "", base=base))


def test_a_rule_sets_its_protection_width_and_five_is_the_default(tmp_path):
    base = SMALL.read_text().replace('[disclosure.klein]\n', '[disclosure.klein]\nprotection = 8\n')
    catalog = load_catalog(catalog_with(tmp_path, "", base=base))
    assert catalog.indicators["meldingen"].disclosure.protection == 8
    assert catalog.indicators["woningen"].disclosure.protection == 5


def test_a_ratio_must_round_a_side_that_is_published_rounded_elsewhere(tmp_path):
    from wijkatlas.indicators.catalog import DEFAULT_CATALOG

    text = DEFAULT_CATALOG.read_text(encoding="utf-8").replace(
        'higher_is_better = true\ndisclosure = "per_inwoners"', 'higher_is_better = true\ndisclosure = "geen"')
    path = tmp_path / "catalogus.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"indicator\.sportvoorzieningen_per_1000: de noemer wordt als 'inwoners' "
                                           r"afgerond op 5 gepubliceerd; regel 'geen' moet round_noemer = 5 hebben"):
        load_catalog(path)
