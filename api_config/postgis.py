"""Loading the public collections into PostgreSQL/PostGIS, for a municipality's shared database.

Each public collection becomes a table (geometry column ``geom`` in EPSG:28992,
primary key on its id field) in one schema, loaded with GDAL. pygeoapi then
serves them with its PostgreSQL provider; passwords stay out of the generated
configuration (libpq reads ``PGPASSWORD`` or ``~/.pgpass``).
"""

from __future__ import annotations

from pathlib import Path

from wijkatlas.api_config.pygeoapi_config import PostGIS, read_metadata
from wijkatlas.errors import ConfigError

DEFAULT_SCHEMA = "wijkatlas"


def parse_dsn(dsn: str, schema: str = DEFAULT_SCHEMA) -> PostGIS:
    """A libpq connection string or URL (``postgresql://user@host:5432/db``) as :class:`PostGIS`."""
    from psycopg2 import ProgrammingError
    from psycopg2.extensions import parse_dsn as libpq_parse

    try:
        parts = libpq_parse(dsn)
    except ProgrammingError as error:
        raise ConfigError(f"ongeldige PostgreSQL-verbinding {dsn!r}: {error}") from error
    if "dbname" not in parts:
        raise ConfigError(f"PostgreSQL-verbinding {dsn!r} noemt geen database (dbname)")
    return PostGIS(host=parts.get("host", "localhost"), port=int(parts.get("port", 5432)), dbname=parts["dbname"],
                   user=parts.get("user", ""), password=parts.get("password", ""), schema=schema)


def load_public_collections(api_dir: Path, database: PostGIS) -> dict[str, int]:
    """Replace the schema's tables by the public collections at once; returns the rows loaded per table.

    The collections are loaded into a staging schema, which then takes the
    schema's place in one transaction: clients see the old collections or the
    new ones, never half, and a failed load leaves the published ones as they were.
    """
    import psycopg2
    from osgeo import gdal

    gdal.UseExceptions()
    metadata = read_metadata(api_dir)
    public = [c for c in metadata["collections"] if not c["intern"]]
    staging = f"{database.schema}__nieuw"
    try:
        connection = psycopg2.connect(**_connect_arguments(database))
    except psycopg2.OperationalError as error:
        raise ConfigError(f"PostgreSQL op {database.host}:{database.port} niet bereikbaar: {error}") from error
    with connection, connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{staging}" CASCADE')
        cursor.execute(f'CREATE SCHEMA "{staging}"')
    loaded = {}
    for collection in public:
        gdal.VectorTranslate(
            _gdal_connection(database), str(api_dir / collection["file"]),
            layers=[collection["layer"]], layerName=collection["layer"], accessMode="overwrite",
            layerCreationOptions=["GEOMETRY_NAME=geom", "FID=fid", f"SCHEMA={staging}", "SPATIAL_INDEX=GIST"],
        )
        table = f'"{staging}"."{collection["layer"]}"'
        with connection, connection.cursor() as cursor:
            # The collection's id is the key (pygeoapi reflects it as such), not GDAL's serial fid.
            cursor.execute(f'ALTER TABLE {table} DROP COLUMN fid')
            cursor.execute(f'ALTER TABLE {table} ADD PRIMARY KEY ("{collection["id_field"]}")')
            cursor.execute(f"SELECT count(*) FROM {table}")
            loaded[collection["id"]] = cursor.fetchone()[0]
    with connection, connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE')
        cursor.execute(f'ALTER SCHEMA "{staging}" RENAME TO "{database.schema}"')
    connection.close()
    return loaded


def _connect_arguments(database: PostGIS) -> dict:
    arguments = {"host": database.host, "port": database.port, "dbname": database.dbname}
    if database.user:
        arguments["user"] = database.user
    if database.password:
        arguments["password"] = database.password
    return arguments


def _gdal_connection(database: PostGIS) -> str:
    words = " ".join(f"{key}='{value}'" for key, value in _connect_arguments(database).items())
    return f"PG:{words}"
