"""The ``wijkatlas`` command: wires the stages together and does the I/O."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from wijkatlas import settings
from wijkatlas.errors import ConfigError, WijkatlasError
from wijkatlas.indicators.availability import NOT_AVAILABLE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (1 for a problem with input or configuration)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except WijkatlasError as error:
        print(f"fout: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("afgebroken", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stdout = open(os.devnull, "w")
        return 0
    except OSError as error:  # the machine's, not the data's: a full disk, a folder without rights
        where = f"{error.filename}: " if error.filename else ""
        print(f"fout: {where}{error.strerror or error}; de vorige uitvoer is niet veranderd", file=sys.stderr)
        return 1
    except Exception as error:  # a problem Wijkatlas does not recognise yet: one line here, the details in a log
        log = Path(tempfile.gettempdir()) / f"wijkatlas-fout-{datetime.now():%Y%m%d-%H%M%S}.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        print(f"fout: onverwachte fout ({type(error).__name__}: {error}); de vorige uitvoer is niet veranderd. "
              f"Dit is een fout in Wijkatlas: meld het met het logbestand {log}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wijkatlas", description="Wijk- en buurtinzicht voor gemeenten.")
    commands = parser.add_subparsers(required=True, metavar="COMMANDO")

    demo = commands.add_parser("demo", help="bouw het datapakhuis van de ingebouwde demogemeente")
    demo.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="uitvoermap (standaard: out)")
    demo.set_defaults(run=lambda a: _build(settings.DEMO_CONFIG, a.out))

    init = commands.add_parser("init", help="herken de bestanden in een map en schrijf er een bouwconfiguratie bij")
    init.add_argument("bronmap", type=Path, help="map met de gedownloade bestanden (CBS, PDOK, BAG, registraties)")
    init.add_argument("--gemeente", help="gemeentecode, bv. GM0534 (nodig als de bestanden meer gemeenten bevatten)")
    init.add_argument("--overschrijf", action="store_true", help="vervang een bestaande wijkatlas.toml")
    init.set_defaults(run=_init)

    build = commands.add_parser("build", help="bouw het datapakhuis uit de bronnen in een configuratie")
    build.add_argument("config", type=Path, help="bouwconfiguratie (TOML), zie data/demo.toml")
    build.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="uitvoermap (standaard: out)")
    build.set_defaults(run=lambda a: _build(a.config, a.out))

    fetch = commands.add_parser("fetch", help="download CBS- en PDOK-bronnen van een gemeente (vraagt internet)")
    fetch.add_argument("--gemeente", required=True, help="gemeentecode, bv. GM0400")
    fetch.add_argument("--jaar", type=int, default=2024, help="jaar van de wijk- en buurtkaart (standaard 2024)")
    fetch.add_argument("--peiljaren", type=int, nargs="+", default=sorted(settings.KERNCIJFERS_TABLES)[-3:],
                       help="peiljaren van de kerncijfers (standaard de laatste drie)")
    fetch.add_argument("--out", type=Path, required=True, help="map voor de gedownloade bestanden")
    fetch.set_defaults(run=_fetch)

    listing = commands.add_parser("indicators", help="toon de indicatorcatalogus met definities")
    listing.add_argument("--catalog", type=Path, default=None, help="een eigen catalogus (TOML)")
    listing.add_argument("--toon", metavar="ID", help="de volledige definitie van een indicator")
    listing.set_defaults(run=_indicators)

    profile = commands.add_parser("profile", help="toon het profiel van een wijk of buurt uit het gebouwde datapakhuis")
    profile.add_argument("gebiedscode", help="wijk- of buurtcode, bv. WK990101 of BU99010101")
    profile.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="map van het datapakhuis")
    profile.add_argument("--intern", action="store_true", help="toon interne cijfers (zonder geheimhouding)")
    profile.set_defaults(run=_profile)

    serve = commands.add_parser("serve", help="publiceer het datapakhuis als OGC API Features (pygeoapi)")
    serve.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="map van het datapakhuis")
    serve.add_argument("--host", default="127.0.0.1", help="adres om op te luisteren (standaard 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000, help="poort (standaard 5000)")
    serve.add_argument("--url", help="openbare basis-URL achter een proxy (standaard http://HOST:PORT)")
    serve.add_argument("--intern", action="store_true", help="publiceer ook de interne lagen (zonder geheimhouding)")
    serve.add_argument("--intern-op-netwerk", action="store_true",
                       help="sta interne lagen toe op een ander adres dan 127.0.0.1")
    serve.add_argument("--postgis", metavar="DSN", help="serveer uit PostGIS (na wijkatlas publish) i.p.v. GeoPackage")
    serve.add_argument("--schema", default="wijkatlas", help="PostGIS-schema (standaard wijkatlas)")
    serve.add_argument("--werkers", type=int, default=(os.cpu_count() or 1) if os.name == "posix" else 1,
                       help="serverprocessen, elk met eigen kern (standaard: aantal kernen; 1 op Windows)")
    serve.set_defaults(run=_serve)

    publish = commands.add_parser("publish", help="laad de openbare collecties in PostgreSQL/PostGIS")
    publish.add_argument("--postgis", metavar="DSN", required=True,
                         help="verbinding, bv. 'host=db port=5432 dbname=gis user=wijkatlas' of postgresql://…")
    publish.add_argument("--schema", default="wijkatlas", help="schema voor de tabellen (standaard wijkatlas)")
    publish.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="map van het datapakhuis")
    publish.add_argument("--host", default="127.0.0.1", help="adres voor de gegenereerde pygeoapi-configuratie")
    publish.add_argument("--port", type=int, default=5000, help="poort voor de gegenereerde pygeoapi-configuratie")
    publish.add_argument("--url", help="openbare basis-URL voor de gegenereerde pygeoapi-configuratie")
    publish.add_argument("--catalog", type=Path, default=None, help="de catalogus van de bouw (standaard de ingebouwde)")
    publish.set_defaults(run=_publish)

    viewers = commands.add_parser("viewers", help="schrijf de kaarten en wijkprofielen (HTML, werkt offline)")
    viewers.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="map van het datapakhuis")
    viewers.add_argument("--public", action="store_true",
                         help="alleen openbare cijfers: de site voor raadsleden en inwoners (standaard: intern)")
    viewers.add_argument("--doel", type=Path, help="doelmap (standaard OUT/viewers, of OUT/openbaar met --public)")
    viewers.add_argument("--achtergrondkaart", action="store_true",
                         help="voeg de PDOK BRT-achtergrondkaart toe (vraagt internet bij het bekijken)")
    viewers.add_argument("--catalog", type=Path, default=None,
                         help="de catalogus van de bouw, voor de controle vóór --public (standaard de ingebouwde)")
    viewers.add_argument("--geen-pdf", action="store_true",
                         help="schrijf de profielen zonder PDF (de PDF's drukt Chromium af, ongeveer 0,5 s per profiel)")
    viewers.add_argument("--site-url", help="het openbare adres van de site, voor de insluitcode van de kaarten")
    viewers.add_argument("--api-url", help="het openbare adres van de OGC API, voor de links naar de collecties")
    viewers.set_defaults(run=_viewers)

    check = commands.add_parser("check-openbaar", help="val de openbare uitvoer aan als een aanvaller: is iets "
                                "geheims terug te rekenen?")
    check.add_argument("out", type=Path, nargs="?", default=settings.DEFAULT_OUT_DIR, help="uitvoermap (standaard: out)")
    check.add_argument("--catalog", type=Path, default=None, help="de catalogus van de bouw (standaard de ingebouwde)")
    check.add_argument("--alle", action="store_true", help="toon elke geheime cel met haar grenzen")
    check.add_argument("--exact", action="store_true",
                       help="bereken voor elke geheime cel de exacte grenzen (anders alleen voor onveilige)")
    check.set_defaults(run=_check_openbaar)

    bench = commands.add_parser("bench", help="meet toewijzen en aggregeren op landelijke schaal (snel vs basis); "
                                "met --build de hele bouw")
    bench.add_argument("--scale", type=float, default=1.0,
                       help="1 = heel Nederland (10 miljoen verblijfsobjecten, 14.500 buurten); 0.01 = een honderdste")
    bench.add_argument("--build", action="store_true",
                       help="meet elke stap van de hele bouw (bronnen, indicatoren, geheimhouding, uitvoer) met "
                            "piekgeheugen, naast geopandas voor de zwaarste stap")
    bench.add_argument("--dask", action="store_true",
                       help="met --build: bouw ook op de dask-motor en controleer dat elk cijfer gelijk is")
    bench.add_argument("--data", type=Path, default=Path("out/bench"), help="map voor de gegenereerde gegevens")
    bench.set_defaults(run=_bench)

    bench_api = commands.add_parser(
        "bench-api", help="meet de OGC API onder belasting op landelijke omvang, naast pygeoapi en tipg")
    bench_api.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="map van het datapakhuis")
    bench_api.add_argument("--buurten", type=int, default=14_500, help="aantal buurten (standaard 14 500)")
    bench_api.add_argument("--verzoeken", type=int, default=200, help="verzoeken per soort en aantal clients (200)")
    bench_api.add_argument("--werkers", type=int, default=os.cpu_count() or 1,
                           help="processen per server (standaard: aantal kernen)")
    bench_api.add_argument("--servers", nargs="+", default=["wijkatlas", "pygeoapi", "tipg"],
                           choices=["wijkatlas", "pygeoapi", "tipg"], help="welke servers (standaard alle drie)")
    bench_api.set_defaults(run=_bench_api)

    bench_openbaar = commands.add_parser(
        "bench-openbaar", help="meet geheimhouding en de controle daarvan op landelijke schaal (naast een losse controle)")
    bench_openbaar.add_argument("--buurten", type=int, default=14_500, help="aantal buurten (standaard 14 500)")
    bench_openbaar.add_argument("--werkers", type=int, default=2, help="processen (standaard 2)")
    bench_openbaar.set_defaults(run=_bench_openbaar)

    generate = commands.add_parser("generate-demo", help="maak de demogegevens in data/ opnieuw (deterministisch)")
    generate.add_argument("--data", type=Path, default=settings.DEMO_DATA_DIR, help="doelmap (standaard: data/)")
    generate.set_defaults(run=_generate_demo)
    return parser


def _init(args: argparse.Namespace) -> int:
    from wijkatlas.init import init_config

    path, survey = init_config(args.bronmap, gemeentecode=args.gemeente, overwrite=args.overschrijf)
    levels = ", ".join(level for level in ("buurt", "wijk", "gemeente") if level in survey.boundaries)
    print(f"Herkend in {args.bronmap}:")
    print(f"  grenzen: {levels}" + (" (wijken en gemeente worden samengevoegd uit de buurten)"
                                    if "wijk" not in survey.boundaries else ""))
    print(f"  kerncijfers: {len(survey.kerncijfers)} tabel(len)"
          + "".join(f"\n    {p.name}: peiljaar {y or '? (vul in)'}" for p, y in survey.kerncijfers))
    print(f"  BAG: {survey.bag[0].name if survey.bag else 'geen'}")
    for path in survey.rasters + survey.unplaced:
        print(f"  niet geplaatst (sjabloon in de configuratie): {path.name}")
    print(f"Configuratie geschreven: {path}\nBouwen met: wijkatlas build {path}")
    return 0


def _build(config_path: Path, out: Path) -> int:
    from wijkatlas.build import build
    from wijkatlas.stages import StageLog

    result = build(config_path, out, StageLog(lambda message: print(message, file=sys.stderr)))
    print(_summary(result.report["reconciliatie"], result.report["afgekeurd"], result.report["waarschuwingen"]))
    print(_availability_summary(result.definitions))
    for line in result.left_out:
        print(line)
    print(f"\nDatapakhuis geschreven: {out / settings.STORE_NAME}")
    print(f"Afgekeurde records met reden: {out / 'afgekeurd.csv'}")
    print(f"Indicatoren voor Excel: {out / 'export'} (openbaar), {out / 'export' / 'intern'} (intern)")
    print(f"OGC API-collecties: {out / 'api'}; publiceer met: wijkatlas serve --out {out}")
    print(f"Kaarten en wijkprofielen (intern): {out / 'viewers' / 'index.html'}; openbare site: "
          "wijkatlas viewers --public")
    return 0


def _summary(reconciliation: pd.DataFrame, rejected: pd.DataFrame, warnings: pd.DataFrame) -> str:
    """Records per source: read = assigned + outside + rejected, the rejection reasons and the warnings."""
    lines = [f"{'bron':<24}{'gelezen':>9}{'toegewezen':>12}{'buiten':>8}{'afgekeurd':>11}"]
    for row in reconciliation.itertuples():
        lines.append(f"{row.bron:<24}{row.gelezen:>9}{row.toegewezen:>12}{row.buiten:>8}{row.afgekeurd:>11}")
    if len(rejected):
        lines.append("\nRedenen van afkeuring:")
        counts = rejected.groupby(["bron", "reden"]).size()
        for (bron, reden), count in counts.items():
            lines.append(f"  {bron}: {reden} ({count}x)")
    if len(warnings):
        lines.append("\nWaarschuwingen (ook in de laag 'waarschuwingen'):")
        lines += [f"  {row.bron}: {row.melding}" for row in warnings.itertuples()]
    return "\n".join(lines)


def _availability_summary(definitions: pd.DataFrame) -> str:
    """How many indicators were computed, and why the others were not."""
    missing = definitions[definitions["beschikbaarheid"].str.startswith(NOT_AVAILABLE + " —")]
    partly = definitions[definitions["beschikbaarheid"].str.startswith(NOT_AVAILABLE + " voor")]
    lines = [f"\nIndicatoren: {len(definitions) - len(missing)} van {len(definitions)} berekend"]
    for reason, group in missing.groupby("beschikbaarheid", sort=True):
        lines.append(f"  {reason}: {', '.join(group['indicator'])}")
    for row in partly.itertuples():
        lines.append(f"  waarschuwing: {row.indicator}: {row.beschikbaarheid}")
    return "\n".join(lines)


def _fetch(args: argparse.Namespace) -> int:
    from wijkatlas.fetch import fetch_sources

    config_path = fetch_sources(args.gemeente, jaar=args.jaar, peiljaren=args.peiljaren, out=args.out,
                                progress=lambda message: print(message, file=sys.stderr))
    print(f"Bronnen geschreven in {args.out}; bouw met: wijkatlas build {config_path}")
    return 0


def _indicators(args: argparse.Namespace) -> int:
    from wijkatlas.indicators.catalog import DEFAULT_CATALOG, load_catalog

    catalog = load_catalog(args.catalog or DEFAULT_CATALOG)
    if args.toon:
        if args.toon not in catalog.indicators:
            raise WijkatlasError(f"indicator '{args.toon}' bestaat niet; zie 'wijkatlas indicators'")
        indicator = catalog.indicators[args.toon]
        terms = ", ".join(f"{slot}: {term.kind} {term.name}" + (f".{term.field}" if term.field else "")
                          for slot, term in indicator.terms.items())
        print("\n".join([
            f"{indicator.id}: {indicator.title}", f"  {indicator.description}",
            f"  thema {indicator.theme}; eenheid {indicator.unit}; berekening {indicator.kind} ({terms})",
            f"  bronnen: {'; '.join(s.title for s in indicator.sources)} — licentie {indicator.licence}",
            f"  eigenaar: {indicator.owner}; niveaus: {', '.join(indicator.levels)}",
            f"  geheimhouding '{indicator.disclosure.name}': {indicator.disclosure.description}",
        ]))
        return 0
    print(f"{'indicator':<36}{'thema':<16}{'eenheid':<22}{'soort':<13}geheimhouding")
    for indicator in catalog.indicators.values():
        print(f"{indicator.id:<36}{indicator.theme:<16}{indicator.unit:<22}{indicator.kind:<13}"
              f"{indicator.disclosure.name}")
    print(f"\n{len(catalog.indicators)} indicatoren; 'wijkatlas indicators --toon ID' voor de definitie")
    return 0


def _profile(args: argparse.Namespace) -> int:
    from wijkatlas.indicators.profile import area_profile
    from wijkatlas.store import read_layer

    store = args.out / settings.STORE_NAME
    if not store.is_file():
        raise WijkatlasError(f"{store} bestaat niet; bouw eerst met 'wijkatlas demo' of 'wijkatlas build'")
    variant = "intern" if args.intern else "openbaar"
    long = read_layer(store, f"indicatoren_lang_{variant}")
    print(area_profile(long, read_layer(store, "indicator_definities"), args.gebiedscode, intern=args.intern))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from wijkatlas.api_config.postgis import parse_dsn
    from wijkatlas.api_config.server import prepare, serve

    database = parse_dsn(args.postgis, args.schema) if args.postgis else None
    config_path, openapi_path = prepare(args.out / "api", host=args.host, port=args.port, url=args.url,
                                        intern=args.intern, intern_on_network=args.intern_op_netwerk,
                                        postgis=database)
    scope = "openbare en interne" if args.intern else "openbare"
    print(f"OGC API met {scope} collecties op http://{args.host}:{args.port}/ (configuratie {config_path});"
          " stoppen met Ctrl+C", file=sys.stderr)
    serve(config_path, openapi_path, host=args.host, port=args.port, workers=args.werkers)
    return 0


def _publish(args: argparse.Namespace) -> int:
    from wijkatlas.api_config.postgis import load_public_collections, parse_dsn
    from wijkatlas.api_config.server import prepare

    database = parse_dsn(args.postgis, args.schema)
    _refuse_if_recoverable(args.out, args.catalog, pages=True)
    loaded = load_public_collections(args.out / "api", database)
    for table, rows in loaded.items():
        print(f"{database.schema}.{table:<24}{rows:>8} rijen")
    config_path, _ = prepare(args.out / "api", host=args.host, port=args.port, url=args.url, postgis=database)
    print(f"pygeoapi-configuratie (PostgreSQL-provider): {config_path}")
    print(f"Serveren met: wijkatlas serve --postgis DSN --schema {args.schema}")
    return 0


def _viewers(args: argparse.Namespace) -> int:
    from wijkatlas.viewers.site import Addresses, write_site

    target = args.doel or args.out / ("openbaar" if args.public else "viewers")
    if args.public:  # the pages show the openbaar figures: they must hold before anything is written
        _refuse_if_recoverable(args.out, args.catalog, pages=False)
    pages = write_site(args.out / settings.STORE_NAME, target, public=args.public,
                       online_basemap=args.achtergrondkaart, pdf=not args.geen_pdf,
                       addresses=Addresses(site=args.site_url, api=args.api_url))
    scope = "openbare" if args.public else "interne"
    print(f"{len(pages)} pagina's met {scope} cijfers in {target}; begin bij {pages[0]}")
    return 0


def _refuse_if_recoverable(out: Path, catalog: Path | None, *, pages: bool) -> None:
    """Stop publication (a ``fout:`` line) when the attacker's check finds anything in ``out``."""
    from wijkatlas.indicators.catalog import DEFAULT_CATALOG, load_catalog
    from wijkatlas.openbaar import check_public_outputs

    result = check_public_outputs(out, load_catalog(catalog or DEFAULT_CATALOG), pages=pages)
    if not result.safe:
        raise WijkatlasError(f"openbare uitvoer maakt {len(result.disclosed)} geheim(e) aantal(len) terug te rekenen "
                             f"en heeft {len(result.leaks)} lek(ken); niet gepubliceerd — zie: wijkatlas check-openbaar "
                             f"{out}")


def _check_openbaar(args: argparse.Namespace) -> int:
    from wijkatlas.indicators.catalog import DEFAULT_CATALOG, load_catalog
    from wijkatlas.openbaar import check_public_outputs

    result = check_public_outputs(args.out, load_catalog(args.catalog or DEFAULT_CATALOG), exact=args.exact)
    shown = result.bounds if args.alle else result.disclosed
    for row in shown.itertuples():
        verdict = "veilig" if row.veilig else "TERUG TE REKENEN"
        span = f"tussen {row.laag:g} en {row.hoog:g}" if args.exact or not row.veilig else \
            f"minstens {row.laag:g} tot {row.hoog:g} mogelijk"
        print(f"{row.indicator:<32}{row.peiljaar:>6} {row.gebiedscode:<11} {span}: {verdict}")
    for leak in result.leaks:
        print(f"LEK: {leak}")
    hidden, disclosed = len(result.bounds), len(result.disclosed)
    print(f"{hidden} geheime aantallen onderzocht: {hidden - disclosed} veilig, {disclosed} terug te rekenen; "
          f"{len(result.leaks)} lek(ken) in bestanden")
    if not result.safe:
        raise WijkatlasError("openbare uitvoer maakt geheime cijfers terug te rekenen; niet publiceren")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from wijkatlas.bench import run_bench
    from wijkatlas.bench_build import run_build_bench

    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    if args.dask and not args.build:
        raise ConfigError("--dask meet de hele bouw op de dask-motor: gebruik het met --build")
    print(run_build_bench(args.scale, args.data, dask=args.dask, progress=progress) if args.build
          else run_bench(args.scale, args.data, progress=progress))
    return 0


def _bench_api(args: argparse.Namespace) -> int:
    from wijkatlas.bench_api import bench_api

    print(bench_api(args.out, args.out / "bench-api", buurten=args.buurten, total=args.verzoeken, workers=args.werkers,
                    servers=args.servers))
    return 0


def _bench_openbaar(args: argparse.Namespace) -> int:
    from wijkatlas.bench_openbaar import run_disclosure_bench

    print(run_disclosure_bench(args.buurten, workers=args.werkers,
                               progress=lambda message: print(message, file=sys.stderr)))
    return 0


def _generate_demo(args: argparse.Namespace) -> int:
    from wijkatlas.synthetic import generate_demo

    written = generate_demo(args.data)
    for name, path in written.items():
        print(f"{name:<24}{path}")
    return 0
