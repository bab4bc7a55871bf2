"""Alembic's environment for the service's database: the connection comes from `db.upgrade` (no alembic.ini).

To write a new revision: `alembic -x url=sqlite:///DIR/service.db revision --autogenerate -m "..."` with
`script_location` set to this folder, then review it by hand."""
from alembic import context
from sqlalchemy import create_engine

from autograder.service.models import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
