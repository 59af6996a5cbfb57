"""The ``wijkatlas`` command: wires the stages together and does the I/O."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from wijkatlas import settings
from wijkatlas.errors import WijkatlasError


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wijkatlas", description="Wijk- en buurtinzicht voor gemeenten.")
    commands = parser.add_subparsers(required=True, metavar="COMMANDO")

    demo = commands.add_parser("demo", help="bouw het datapakhuis van de ingebouwde demogemeente")
    demo.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="uitvoermap (standaard: out)")
    demo.set_defaults(run=lambda a: _build(settings.DEMO_CONFIG, a.out))

    build = commands.add_parser("build", help="bouw het datapakhuis uit de bronnen in een configuratie")
    build.add_argument("config", type=Path, help="bouwconfiguratie (TOML), zie data/demo.toml")
    build.add_argument("--out", type=Path, default=settings.DEFAULT_OUT_DIR, help="uitvoermap (standaard: out)")
    build.set_defaults(run=lambda a: _build(a.config, a.out))

    fetch = commands.add_parser("fetch", help="download CBS- en PDOK-bronnen van een gemeente (vraagt internet)")
    fetch.add_argument("--gemeente", required=True, help="gemeentecode, bv. GM0400")
    fetch.add_argument("--jaar", type=int, default=2024, help="jaar van de wijk- en buurtkaart (standaard 2024)")
    fetch.add_argument("--peiljaren", type=int, nargs="+", default=sorted(settings.KERNCIJFERS_TABLES),
                       help="peiljaren van de kerncijfers")
    fetch.add_argument("--out", type=Path, required=True, help="map voor de gedownloade bestanden")
    fetch.set_defaults(run=_fetch)

    generate = commands.add_parser("generate-demo", help="maak de demogegevens in data/ opnieuw (deterministisch)")
    generate.add_argument("--data", type=Path, default=settings.DEMO_DATA_DIR, help="doelmap (standaard: data/)")
    generate.set_defaults(run=_generate_demo)
    return parser


def _build(config_path: Path, out: Path) -> int:
    from geo.pipeline import build_layers
    from geo.store import write_store
    from wijkatlas.config import load_config

    config = load_config(config_path)
    print(f"Datapakhuis bouwen voor {config.gemeentenaam} ({config.gemeentecode}) uit {config_path}",
          file=sys.stderr)
    layers = build_layers(config, progress=lambda message: print(message, file=sys.stderr))
    store = write_store(layers, out / settings.STORE_NAME)
    for name in ("reconciliatie", "afgekeurd"):
        layers[name].to_csv(out / f"{name}.csv", sep=";", index=False, encoding="utf-8-sig")
    print(_summary(layers["reconciliatie"], layers["afgekeurd"]))
    print(f"\nDatapakhuis geschreven: {store}")
    print(f"Afgekeurde records met reden: {out / 'afgekeurd.csv'}")
    return 0


def _summary(reconciliation: pd.DataFrame, rejected: pd.DataFrame) -> str:
    """Records per source: read = assigned + outside + rejected, and the rejection reasons."""
    lines = [f"{'bron':<24}{'gelezen':>9}{'toegewezen':>12}{'buiten':>8}{'afgekeurd':>11}"]
    for row in reconciliation.itertuples():
        lines.append(f"{row.bron:<24}{row.gelezen:>9}{row.toegewezen:>12}{row.buiten:>8}{row.afgekeurd:>11}")
    if len(rejected):
        lines.append("\nRedenen van afkeuring:")
        counts = rejected.groupby(["bron", "reden"]).size()
        for (bron, reden), count in counts.items():
            lines.append(f"  {bron}: {reden} ({count}x)")
    return "\n".join(lines)


def _fetch(args: argparse.Namespace) -> int:
    from wijkatlas.fetch import fetch_sources

    config_path = fetch_sources(args.gemeente, jaar=args.jaar, peiljaren=args.peiljaren, out=args.out,
                                progress=lambda message: print(message, file=sys.stderr))
    print(f"Bronnen geschreven in {args.out}; bouw met: wijkatlas build {config_path}")
    return 0


def _generate_demo(args: argparse.Namespace) -> int:
    from wijkatlas.synthetic import generate_demo

    written = generate_demo(args.data)
    for name, path in written.items():
        print(f"{name:<24}{path}")
    return 0
