"""The Jinja templates of the site's pages, and the HTML fragments pages and maps share."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                               autoescape=True, auto_reload=False)  # no stat of each template for every page


def sources_table(sources: pd.DataFrame) -> Markup:
    """The table of sources: owner, file date, records read and usable, rejected with reasons, feedback address."""
    macro = TEMPLATES.get_template("bronnen.html").module.bronnen_tabel  # type: ignore[attr-defined]
    return Markup(macro(sources.to_dict("records")))
