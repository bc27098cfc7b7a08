"""The Core clauses of `domain.tables` match the model's tables, column for column."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import TypeDecorator
from sqlalchemy.types import TypeEngine
from sqlmodel import Session

from aftaleflow.domain import tables
from aftaleflow.domain.model import Agreement
from aftaleflow.services.uow import ServiceContext
from tests.factories import new_agreement


def _stored(type_: TypeEngine) -> TypeEngine:
    """The type as stored: a decorator's underlying type (SQLModel's AutoString, its UTC
    datetime; the read path's UTCMoment)."""
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


def test_every_column_read_without_the_orm_is_the_models_column_with_its_type() -> None:
    from aftaleflow.db import all_tables

    metadata = all_tables()
    for light in tables.TABLES:
        model = metadata.tables[light.name]
        for column in light.c:
            assert column.name in model.c, f"{light.name}.{column.name}"
            declared, light_type = _stored(model.c[column.name].type), _stored(column.type)
            where = f"{light.name}.{column.name}"
            assert light_type.python_type is declared.python_type, where
            assert getattr(light_type, "timezone", None) == getattr(declared, "timezone", None)


def test_a_row_read_on_core_has_the_values_the_model_instance_has(ctx: ServiceContext) -> None:
    view = new_agreement(ctx)
    with ctx.engine.connect() as conn:
        row = conn.execute(tables.agreement.select().where(
            tables.agreement.c.id == view.id)).one()
    with Session(ctx.engine) as session:
        instance = session.get(Agreement, view.id)
        assert instance is not None
        assert {c.name: getattr(row, c.name) for c in tables.agreement.c} == {
            c.name: getattr(instance, c.name) for c in tables.agreement.c}
    assert row.created_at.tzinfo is UTC  # aware, in UTC, as the model reads it
