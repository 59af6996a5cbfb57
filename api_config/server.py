"""Serving the published collections with pygeoapi behind the request guard."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path

import yaml

from wijkatlas.api_config import bbox
from wijkatlas.api_config.guard import CollectionRules, RequestGuard
from wijkatlas.api_config.html import write_offline_templates
from wijkatlas.api_config.pygeoapi_config import (
    PostGIS,
    capabilities,
    check_binding,
    pygeoapi_config,
    read_metadata,
    write_config,
)
from wijkatlas.errors import ConfigError

#: Request-handling threads per server process.
THREADS = 4
#: Seconds a stopping server process gives running requests (kept short: requests take milliseconds).
GRACE_S = 5


def prepare(api_dir: Path, *, host: str, port: int, url: str | None = None, intern: bool = False,
            intern_on_network: bool = False, postgis: PostGIS | None = None) -> tuple[Path, Path]:
    """Write the pygeoapi configuration, OpenAPI document and offline HTML templates; returns both YAML paths."""
    api_dir = api_dir.resolve()  # pygeoapi resolves relative template and static paths against itself
    check_binding(host, intern, intern_on_network)
    if intern and postgis:
        raise ConfigError("interne collecties worden niet naar PostGIS gepubliceerd; serveer ze uit de GeoPackage")
    metadata = read_metadata(api_dir)
    base_url = url or f"http://{_url_host(host)}:{port}"
    templates = write_offline_templates(api_dir / "html")
    config = pygeoapi_config(metadata, api_dir, url=base_url, host=host, port=port, intern=intern,
                             postgis=postgis, templates=templates)
    name = "pygeoapi" + ("-intern" if intern else "") + ("-postgis" if postgis else "")
    return write_config(config, api_dir, name)


def create_app(config_path: Path, openapi_path: Path) -> Callable:
    """The guarded WSGI application for a configuration (pygeoapi reads it once per process)."""
    os.environ["PYGEOAPI_CONFIG"] = str(config_path.resolve())
    os.environ["PYGEOAPI_OPENAPI"] = str(openapi_path.resolve())
    from pygeoapi.flask_app import APP, CONFIG

    bbox.install()

    if CONFIG["server"]["url"] != yaml.safe_load(config_path.read_text(encoding="utf-8"))["server"]["url"]:
        raise RuntimeError("pygeoapi is in dit proces al met een andere configuratie gestart")
    rules = {name: _rules(resource["providers"][0]) for name, resource in CONFIG["resources"].items()}
    return RequestGuard(APP, rules)


def serve(config_path: Path, openapi_path: Path, *, host: str, port: int, workers: int) -> None:
    """Serve until interrupted: with gunicorn in ``workers`` processes (one per core), or with waitress in
    this process when ``workers`` is 1 (also where gunicorn does not run, on Windows).

    The collections are loaded once before the processes fork, so they share that memory.
    """
    if workers < 1:
        raise ConfigError(f"--werkers {workers}: geef 1 of meer serverprocessen")
    app = create_app(config_path, openapi_path)
    if workers == 1:
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=THREADS, ident="wijkatlas",
                       clear_untrusted_proxy_headers=True)
        return
    if os.name != "posix":
        raise ConfigError("meerdere serverprocessen (gunicorn) kunnen alleen op Linux/macOS; gebruik --werkers 1")
    gc.freeze()  # the loaded collections stay out of the collector's way, so the workers keep sharing their pages
    _run_gunicorn(app, {"bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}", "workers": workers,
                        "worker_class": "gthread", "threads": THREADS, "graceful_timeout": GRACE_S,
                        "accesslog": None, "errorlog": "-", "loglevel": "warning",
                        "control_socket_disable": True})  # no socket in ~/.gunicorn shared by every server


def _run_gunicorn(app: Callable, options: dict) -> None:
    """gunicorn serving an application object made in this process (its documented custom application)."""
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Callable:
            return app

    Application().run()


def _rules(provider: dict) -> CollectionRules:
    from pygeoapi.plugin import load_plugin

    sortable, time_filter = capabilities(provider)
    fields = {name: field.get("format") if field.get("format") in {"date", "date-time"} else field.get("type", "")
              for name, field in load_plugin("provider", provider).get_fields().items()}
    return CollectionRules(fields=fields, sortable=sortable, time_filter=time_filter,
                           storage_crs=provider.get("storage_crs"))


def _url_host(host: str) -> str:
    if host in {"0.0.0.0", "::"}:
        return "localhost"
    return f"[{host}]" if ":" in host else host
