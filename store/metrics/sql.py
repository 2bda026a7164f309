"""The few SQL expressions SQLite and PostgreSQL spell differently, and the nearest-rank
percentile both compute the same way (README, "Metrics")."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from store.models import UTCDateTime


def _spelt(function: type[FunctionElement[Any]], sqlite: str, postgresql: str) -> None:
    """How each engine spells `function`: a template of its arguments, {0}, {1}."""

    def spell(template: str) -> Any:
        def compile_(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
            return template.format(*(compiler.process(c, **kw) for c in element.clauses))
        return compile_

    compiles(function)(spell(sqlite))
    compiles(function, "postgresql")(spell(postgresql))


class json_text(FunctionElement[str]):  # noqa: N801 (an SQL function's name)
    """A JSON object's string value by key, from a text column holding the object (an
    event's values, an audit record's `after`)."""

    type = sa.String()
    inherit_cache = True
    name = "json_text"


class seconds_between(FunctionElement[float]):  # noqa: N801
    """Seconds from the second time to the first (negative if it came before)."""

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


class contains_word(FunctionElement[bool]):  # noqa: N801
    """Whether a comma-joined list (a case's labels) holds the value, exactly: no
    pattern characters are special."""

    type = sa.Boolean()
    inherit_cache = True
    name = "contains_word"


_spelt(json_text, "json_extract({0}, '$.' || {1})", "(CAST({0} AS json) ->> {1})")
_spelt(seconds_between, "((julianday({0}) - julianday({1})) * 86400.0)",
       "EXTRACT(EPOCH FROM ({0} - {1}))")
_spelt(contains_word, "(instr(',' || {0} || ',', ',' || {1} || ',') > 0)",
       "(strpos(',' || {0} || ',', ',' || {1} || ',') > 0)")


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


def bucket(at: Any, ends: list[tuple[str, Any]]) -> sa.ColumnElement[str]:
    """Which of consecutive spans (name, end: the next one's start) a time falls in, as
    an expression: a join with a list of spans would read each row once per span.
    A time past the last span's end is in it too (the caller has cut them off)."""
    if len(ends) == 1:
        return sa.literal(ends[0][0])
    return sa.case(*((at < sa.literal(end, UTCDateTime()), name) for name, end in ends[:-1]),
                   else_=ends[-1][0])
