"""GraphQL over HTTP, per the GraphQL-over-HTTP spec (audited by graphql-http in the tests).

POST and GET (GET never runs a mutation); `application/graphql-response+json` when the client
accepts it, with 4xx for request errors, else legacy `application/json` with 200.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from resolvers.auth import actor_for_token, token_expiry
from schema.context import Context
from schema.errors import classify
from schema.loaders import Loaders
from schema.metrics import GRAPHQL_OPERATIONS

log = logging.getLogger("ehuying.http")

GQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class RequestError(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.code, self.zh, self.en, self.headers = status, code, zh, en, headers or {}
        self.extra: dict[str, Any] = {}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None when nothing acceptable."""
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media == GQL_RESPONSE:
            chosen = GQL_RESPONSE
        elif media in (JSON, "application/*", "*/*"):
            chosen = JSON
        else:
            continue
        candidate = (q, -position, chosen)
        if best is None or candidate > best:
            best = candidate
    return None if best is None else best[2]


def _json_param(value: str | None, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise RequestError(400, "BAD_REQUEST", f"参数 {name} 不是合法的 JSON", f"{name} is not valid JSON") from None


# Size limits (values in config.py: MAX_REQUEST_BYTES, MAX_UPLOAD_BYTES): a body is refused with 413
# REQUEST_TOO_LARGE as soon as its declared or received size passes the limit — never read whole
# first. The GraphQL text itself is capped too: the parser and validation caches keep up to
# CACHE_SIZE documents keyed by their text, and a small document padded with a megabyte of
# comments would otherwise make each entry a megabyte.
MAX_QUERY_LENGTH = 100_000  # characters; MAX_TOKENS (4,000) real tokens fit many times over


def too_large(limit: int, what_zh: str = "请求体", what_en: str = "The request body", status: int = 413) -> RequestError:
    err = RequestError(status, "REQUEST_TOO_LARGE", f"{what_zh}过大(最多 {limit} 字节)", f"{what_en} is larger than {limit} bytes")
    err.extra = {"maxBytes": limit}
    return err


def _limits(request: Request) -> tuple[int, int]:
    settings = request.app.state.settings
    return settings.max_request_bytes, settings.max_upload_bytes


def _capped(request: Request, limit: int) -> Request:
    """`request` whose body stream raises REQUEST_TOO_LARGE once more than `limit` bytes arrived
    (a chunked body has no Content-Length to refuse it by up front)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    received = 0
    upstream = request.receive

    async def receive() -> Any:
        nonlocal received
        message = await upstream()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large(limit)
        return message

    return Request(request.scope, receive)


async def _read_json_body(request: Request) -> dict[str, Any]:
    body = await _capped(request, _limits(request)[0]).body()
    if not body:
        raise RequestError(400, "BAD_REQUEST", "请求体为空", "The request body is empty")
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RequestError(400, "BAD_REQUEST", "请求体不是合法的 JSON", "The body is not valid JSON") from None
    if not isinstance(params, dict):
        raise RequestError(400, "BAD_REQUEST", "请求体须为 JSON 对象", "The body must be a JSON object")
    return params


async def read_params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        limit = _limits(request)[0]
        if len(request.scope.get("query_string", b"")) > limit:
            raise too_large(limit, "查询串", "The query string", status=414)  # URI Too Long
        q = request.query_params
        params: dict[str, Any] = {
            "query": q.get("query"),
            "operationName": q.get("operationName"),
            "variables": _json_param(q.get("variables"), "variables"),
            "extensions": _json_param(q.get("extensions"), "extensions"),
        }
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            params = await read_multipart(request)
        elif content_type == JSON:
            params = await _read_json_body(request)
        else:
            raise RequestError(
                415, "UNSUPPORTED_MEDIA_TYPE", "请求体须为 application/json", "POST bodies must be application/json"
            )
    if not isinstance(params.get("query"), str) or not params["query"].strip():
        raise RequestError(400, "BAD_REQUEST", "缺少 query 参数", "The query parameter is missing or not a string")
    if len(params["query"]) > MAX_QUERY_LENGTH:
        raise RequestError(413, "REQUEST_TOO_LARGE", f"查询文本过长(最多 {MAX_QUERY_LENGTH} 个字符)",
                           f"The GraphQL document is longer than {MAX_QUERY_LENGTH} characters")
    for name in ("variables", "extensions"):
        if params.get(name) is not None and not isinstance(params[name], dict):
            raise RequestError(400, "BAD_REQUEST", f"{name} 须为对象", f"{name} must be an object")
    if params.get("operationName") is not None and not isinstance(params["operationName"], str):
        raise RequestError(400, "BAD_REQUEST", "operationName 须为字符串", "operationName must be a string")
    return params


MAX_UPLOAD_FILES = 9  # files in one multipart request (photos: at most 9); one more: 400 TOO_MANY_FILES
MAX_UPLOAD_FIELDS = 20  # non-file parts (operations, map, …)


async def read_multipart(request: Request) -> dict[str, Any]:
    """The GraphQL multipart request spec (operations, map, files), with CSRF protection: a
    browser form can post multipart cross-site without a preflight, a custom header cannot."""
    if not (request.headers.get("graphql-preflight") or request.headers.get("apollo-require-preflight")
            or request.headers.get("x-requested-with")):
        raise RequestError(400, "CSRF_PREVENTED", "上传须带 GraphQL-Preflight 请求头",
                           "Multipart uploads need a GraphQL-Preflight (or Apollo-Require-Preflight) header")
    from strawberry.file_uploads.utils import replace_placeholders_with_files

    json_limit, upload_limit = _limits(request)
    capped = _capped(request, upload_limit)
    try:
        # max_part_size bounds the non-file parts: `operations` is held to the JSON body's limit.
        form = await capped.form(max_files=MAX_UPLOAD_FILES, max_fields=MAX_UPLOAD_FIELDS, max_part_size=json_limit)
    except RequestError:
        raise
    except (MultiPartException, HTTPException) as exc:  # starlette turns the first into the second inside an app
        text = str(getattr(exc, "detail", None) or getattr(exc, "message", None) or exc)
        if text.startswith("Part exceeded") or text.startswith("Field exceeded"):
            raise too_large(json_limit, "operations 部分", "The operations part") from None
        if text.startswith("Too many"):
            raise RequestError(400, "TOO_MANY_FILES", f"一次最多上传 {MAX_UPLOAD_FILES} 个文件", f"At most {MAX_UPLOAD_FILES} files "
                               f"and {MAX_UPLOAD_FIELDS} other parts a request") from None
        raise RequestError(400, "BAD_REQUEST", "上传内容无效", f"Bad multipart body: {text}") from None
    except Exception as exc:  # noqa: BLE001 — python-multipart raises several kinds on bad bodies
        raise RequestError(400, "BAD_REQUEST", "上传内容无效或超出限制", f"Bad or oversized multipart body: {type(exc).__name__}") from None
    try:
        operations = orjson.loads(form.get("operations") or "")
        files_map = orjson.loads(form.get("map") or "{}")
    except orjson.JSONDecodeError:
        raise RequestError(400, "BAD_REQUEST", "operations 或 map 不是合法的 JSON", "operations or map is not valid JSON") from None
    if not isinstance(operations, dict) or not isinstance(files_map, dict):
        raise RequestError(400, "BAD_REQUEST", "不支持批量上传", "operations must be one object")
    files = {k: v for k, v in form.multi_items() if k not in ("operations", "map")}
    try:
        return replace_placeholders_with_files(operations, files_map, files)
    except (KeyError, IndexError, TypeError, ValueError):
        raise RequestError(400, "BAD_REQUEST", "map 与文件不匹配", "The map does not match the files") from None


def _error_response(media: str, err: RequestError) -> Response:
    body = {"errors": [{"message": err.zh, "extensions": {"code": err.code, "messageEn": err.en, **err.extra}}]}
    return Response(orjson.dumps(body), status_code=err.status, media_type=f"{media}; charset=utf-8", headers=err.headers)


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


READS_PER_OPERATION = 3


async def _read_actor(app_state: Any, db: Any, cache: Any, token: str, client: str) -> Any:
    generation = None if cache is None else cache.generation
    async with db.read() as conn:
        actor = await actor_for_token(conn, app_state.settings.secret_key, token, client)
    if actor is not None and cache is not None:
        expiry = token_expiry(app_state.settings.secret_key, token)
        if expiry is not None:
            cache.put(token, client, actor, generation, expiry.timestamp())
    return actor


async def build_context(app_state: Any, token: str | None, client: str, request: Any = None, *, read_only: bool = False,
                        lease: Any = None) -> Context:
    db = app_state.db.gated(READS_PER_OPERATION, lease)
    if read_only:
        db = db.read_only()
    actor = None
    if token is not None:
        cache = getattr(app_state, "actor_cache", None)
        actor = None if cache is None else cache.get(token, client)
        if actor is None:
            actor = await _read_actor(app_state, db, cache, token, client)
        if actor is None:
            raise RequestError(
                401, "UNAUTHENTICATED", "登录已失效,请重新登录", "The token is invalid, expired or revoked; sign in again",
                headers={"WWW-Authenticate": "Bearer"},
            )
    return Context(db=db, settings=app_state.settings, actor=actor, loaders=Loaders(db), client=client, request=request,
                   extra={"bus": app_state.bus})


async def _compiled_answer(state: Any, compiled: Any, plan: Any, query: str, operation_name: str | None,
                           variables: Any, context: Context) -> bytes | None:
    """The body of a compiled query's answer — kept (schema/response_cache.py) or run — or None:
    run it through the full executor."""
    responses = getattr(state, "responses", None)
    key = responses.key(query, operation_name, variables, context.actor) if responses is not None else None
    if key is not None:
        body = responses.get(key)
        if body is not None:
            GRAPHQL_OPERATIONS.labels("query").inc()
            return body
        generation = responses.generation
    data = await compiled.execute(plan, query, operation_name, variables, context)
    if data is None:
        return None
    body = orjson.dumps({"data": data})
    if key is not None:
        responses.put(key, body, generation)
    return body


async def graphql_http(request: Request) -> Response:
    media = negotiate(request.headers.get("accept"))
    if media is None:
        return _error_response(
            JSON, RequestError(406, "NOT_ACCEPTABLE", "不支持的 Accept 类型", f"Accept one of {GQL_RESPONSE}, {JSON}")
        )
    if request.method not in ("GET", "POST"):
        return _error_response(media, RequestError(405, "METHOD_NOT_ALLOWED", "仅支持 GET 与 POST", "Use GET or POST", {"Allow": "GET, POST"}))
    state = request.app.state
    lease = state.db.lease()
    try:
        return await _answer(request, state, media, lease)
    finally:
        await lease.close(final=True)


async def _answer(request: Request, state: Any, media: str, lease: Any) -> Response:
    try:
        params = await read_params(request)
        client = request.client.host if request.client else ""
        token = bearer_token(request.headers.get("authorization"))
        compiled = getattr(state, "compiled", None)
        query, operation_name = params["query"], params.get("operationName")
        plan = compiled.plan(query, operation_name) if compiled is not None else None
        if plan is not None:
            context = await build_context(state, token, client, request, read_only=True, lease=lease)
            body = await _compiled_answer(state, compiled, plan, query, operation_name, params.get("variables"), context)
            if body is not None:
                return Response(body, media_type=f"{media}; charset=utf-8")
        context = await build_context(state, token, client, request, lease=lease)
        allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        try:
            result = await state.schema.execute(
                params["query"],
                variable_values=params.get("variables"),
                context_value=context,
                operation_name=params.get("operationName"),
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError as exc:
            if request.method == "GET":
                raise RequestError(405, "METHOD_NOT_ALLOWED", "GET 请求不能执行变更或订阅", "GET cannot run mutations or subscriptions", {"Allow": "POST"}) from exc
            raise RequestError(400, "BAD_REQUEST", "HTTP 不支持订阅,请使用 WebSocket", "Subscriptions run over WebSocket, not HTTP") from exc
        except MissingQueryError as exc:
            raise RequestError(400, "BAD_REQUEST", "缺少 query 参数", "The query parameter is missing") from exc
    except RequestError as err:
        return _error_response(media, err)

    body: dict[str, Any] = {}
    request_error = result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)
    if not request_error:
        body["data"] = result.data
    if result.errors:
        # Errors raised before the operation hooks run (e.g. parse errors from the parser
        # cache) have not been through CodedErrors yet.
        body["errors"] = [(e if (e.extensions or {}).get("code") else classify(e)).formatted for e in result.errors]
    status = 400 if (request_error and media == GQL_RESPONSE) else 200
    if compiled is not None and not result.errors and result.data is not None and not compiled.known(query, operation_name):
        compiled.learn(query, operation_name)  # a clean run: the document is valid, compile it for next time
    return Response(orjson.dumps(body), status_code=status, media_type=f"{media}; charset=utf-8")
