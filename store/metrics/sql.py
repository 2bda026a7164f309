"""The few SQL expressions SQLite and PostgreSQL spell differently, and the nearest-rank
percentile both compute the same way (README, "Metrics")."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class json_text(FunctionElement[str]):  # noqa: N801 (an SQL function's name)
    """A JSON object's string value by key, from a text column holding the object (an
    event's values, an audit record's `after`)."""

    type = sa.String()
    inherit_cache = True
    name = "json_text"


@compiles(json_text)
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"json_extract({compiler.process(column, **kw)}, '$.' || {compiler.process(key, **kw)})"


@compiles(json_text, "postgresql")
def _json_text_pg(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"(CAST({compiler.process(column, **kw)} AS json) ->> {compiler.process(key, **kw)})"


class seconds_between(FunctionElement[float]):  # noqa: N801
    """Seconds from the second time to the first (negative if it came before)."""

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


class contains_word(FunctionElement[bool]):  # noqa: N801
    """Whether a comma-joined list (a case's labels) holds the value, exactly: no
    pattern characters are special."""

    type = sa.Boolean()
    inherit_cache = True
    name = "contains_word"


@compiles(contains_word)
def _contains_sqlite(element: contains_word, compiler: Any, **kw: Any) -> str:
    listed, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"(instr(',' || {listed} || ',', ',' || {value} || ',') > 0)"


@compiles(contains_word, "postgresql")
def _contains_pg(element: contains_word, compiler: Any, **kw: Any) -> str:
    listed, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"(strpos(',' || {listed} || ',', ',' || {value} || ',') > 0)"


def ranked(value: sa.ColumnElement[Any], key: list[Any], name: str
           ) -> list[sa.ColumnElement[Any]]:
    """Window columns `<name>_rn` and `<name>_n` for `percentile`: each value's rank
    within its key's rows (the missing last) and how many values they have."""
    return [sa.func.row_number().over(partition_by=key, order_by=[value.is_(None), value]
                                      ).label(f"{name}_rn"),
            sa.func.count(value).over(partition_by=key).label(f"{name}_n")]


def percentile(rows: Any, name: str, tenths: int) -> sa.ColumnElement[Any]:
    """The nearest-rank percentile (`tenths`/10: 5 the median, 9 the 90th) of a value
    ranked by `ranked`, as an aggregate: the value at rank ⌈p·n⌉, integer arithmetic
    that both engines share."""
    value, rank, count = rows.c[name], rows.c[f"{name}_rn"], rows.c[f"{name}_n"]
    return sa.func.max(sa.case((rank == (tenths * count + 9) // 10, value)))
