"""pygeoapi's PostgreSQL provider, with ``datetime`` also on a time field of whole years (``peiljaar``).

The stock provider compares the time field with the request's date and time
text, which PostgreSQL cannot do for an integer column (a 500). A year field is
compared by the years of the instant or interval instead, the last year included,
as the GeoPackage route does.
"""

from __future__ import annotations

from pygeoapi.provider.sql import PostgreSQLProvider
from sqlalchemy import Integer, and_, true

from wijkatlas.api_config.memory import interval


class YearAwarePostgreSQLProvider(PostgreSQLProvider):
    """PostgreSQL/PostGIS tables; a ``datetime`` on an integer time field selects whole years."""

    def _get_datetime_filter(self, datetime_):
        if not datetime_ or self.time_field is None:
            return super()._get_datetime_filter(datetime_)
        column = getattr(self.table_model, self.time_field)
        if not isinstance(column.type, Integer):
            return super()._get_datetime_filter(datetime_)
        start, end = interval(datetime_)
        bounds = ([column >= int(start[:4])] if start else []) + ([column <= int(end[:4])] if end else [])
        return and_(true(), *bounds)
