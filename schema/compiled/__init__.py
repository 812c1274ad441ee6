"""Compiled queries: the documents clients send again and again, run without graphql-core's
per-object machinery (plan.py compiles, run.py runs).

A document is compiled once it has run through the full executor without an error — so it
parsed, passed validation and the depth, alias and token limits, none of which depend on the
variables. Each later run checks what does depend on them or on the caller (the cost limit, the
NUL guard, the password-change gate, the variables' types), and anything it cannot answer
exactly as the full executor would — any error at all, a write attempted by a field — goes to
the full executor, which gives the answer and the error. Only queries are compiled: running one
twice changes nothing. tests/test_compiled_queries.py holds both executors to the same bytes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from graphql import parse
from graphql.execution.values import get_variable_values

from db.engine import WriteRefused
from resolvers.audit import operation_scope
from resolvers.auth import must_change_password
from schema import metrics
from schema.compiled.plan import CompiledQuery, Compiler, NotCompilable
from schema.compiled.run import Run, run_query
from schema.cost import MAX_COST, query_cost
from schema.observability import current_request_id
from schema.text_guard import _value_has_nul

log = logging.getLogger("ehuying.compiled")

CACHE_SIZE = 512  # documents, like the parser and validation caches
COSTS_PER_PLAN = 64

# The counters' children, found once: labels() takes a lock and builds a key every time.
_OPERATION = metrics.GRAPHQL_OPERATIONS.labels("query")
_RAN = metrics.COMPILED_QUERIES.labels("ran")
_FALLBACK = metrics.COMPILED_QUERIES.labels("fallback")


def plan_cost(gschema: Any, plan: CompiledQuery, variables: dict[str, Any], operation_name: str | None) -> int:
    """query_cost, kept on the plan by the integer variables it depends on (_page_size reads a
    variable only when it is an int)."""
    key = tuple(sorted((k, v) for k, v in variables.items() if isinstance(v, int)))
    cost = plan.costs.get(key)
    if cost is None:
        cost = query_cost(gschema, plan.document, variables, operation_name)
        if len(plan.costs) >= COSTS_PER_PLAN:
            plan.costs.clear()
        plan.costs[key] = cost
    return cost


class CompiledQueries:
    def __init__(self, schema: Any, size: int = CACHE_SIZE) -> None:
        self.schema = schema  # strawberry's
        self.size = size
        self._plans: OrderedDict[tuple[str, str | None], CompiledQuery | None] = OrderedDict()

    def plan(self, query: str, operation_name: str | None) -> CompiledQuery | None:
        key = (query, operation_name)
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
        return plan

    def known(self, query: str, operation_name: str | None) -> bool:
        return (query, operation_name) in self._plans

    def learn(self, query: str, operation_name: str | None) -> None:
        """After a clean run through the full executor: compile the document, or remember it
        cannot be (None), so it is tried once."""
        key = (query, operation_name)
        if key in self._plans:
            return
        try:
            plan: CompiledQuery | None = Compiler(self.schema._schema, parse(query), operation_name).compile()
        except NotCompilable as exc:
            log.debug("not compiled (%s): %.80s", exc, query)
            plan = None
        except Exception:  # noqa: BLE001 — a compiler bug must cost speed, never an answer
            log.exception("compiling a query failed: %.80s", query)
            plan = None
        self._plans[key] = plan
        while len(self._plans) > self.size:
            self._plans.popitem(last=False)

    def forget(self, query: str, operation_name: str | None) -> None:
        self._plans[(query, operation_name)] = None

    async def execute(self, plan: CompiledQuery, query: str, operation_name: str | None,
                      variables: dict[str, Any] | None, context: Any) -> dict[str, Any] | None:
        """The response's data, or None: run it through the full executor."""
        gschema = self.schema._schema
        variables = variables or {}
        if must_change_password(context.actor) or _value_has_nul(variables):
            return self._fallback()
        try:
            if plan_cost(gschema, plan, variables, operation_name) > MAX_COST:
                return self._fallback()
        except Exception:  # noqa: BLE001 — the full executor prices it and says what is wrong
            return self._fallback()
        coerced = get_variable_values(gschema, plan.operation.variable_definitions or (), variables)
        if isinstance(coerced, list):  # the variables' errors, which the full executor reports
            return self._fallback()
        with operation_scope(context.actor, context.client, current_request_id()):
            try:
                data = await run_query(Run(gschema, plan, context, coerced))
            except WriteRefused:
                log.info("not compiled: a field of this document writes (%.80s)", query)
                self.forget(query, operation_name)
                return self._fallback()
            except Exception as exc:  # noqa: BLE001 — the full executor answers, error and all
                log.debug("compiled run handed over: %r", exc)
                return self._fallback()
        _OPERATION.inc()
        _RAN.inc()
        return data

    @staticmethod
    def _fallback() -> None:
        _FALLBACK.inc()
        return None
