"""The outpack HTTP API (spec §4). Each view reads its input, checks access, calls one function
in `operations.py` (or in `readable.py`, which narrows an answer to what the caller may read)
and renders; `responses.outpack_api` turns raised errors into the envelope."""

from django.http import HttpResponse

from reprostore.accounts.access import Level
from reprostore.lib import client_json, metrics
from reprostore.lib.conf import setting
from reprostore.lib.http import file_response
from reprostore.lib.large_bodies import large_body_slot
from reprostore.query.limits import query_time_limit

from . import operations, readable
from .bodies import is_bool, is_string_list, json_body, limited_upload
from .errors import BadRequest, NotFound
from .grants import require
from .responses import outpack_api, success, success_streamed

GET, POST = ("GET", "HEAD"), ("POST",)
ANY = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
TEXT_UTF8 = "text/plain; charset=utf-8"


@outpack_api("/", GET)
def root(request):
    require(request, Level.READ)
    return success(operations.root_info())


@outpack_api("/checksum", GET)
def checksum(request):
    reader = require(request, Level.READ)
    algorithm = request.GET.get("alg")
    return success(readable.checksum(operations.served_root(), algorithm, reader))


@outpack_api("/metadata/list", GET)
def metadata_list(request):
    reader = require(request, Level.READ)
    entries = readable.location_listing_json(operations.synced_root(), reader)
    return success_streamed(entries)


@outpack_api("/packit/metadata", GET)
def packit_metadata(request):
    reader = require(request, Level.READ)
    known_since = operations.parse_known_since(request.GET.get("known_since"))
    listing = readable.packit_listing(operations.synced_root(), known_since, reader)
    return success(listing, sort_keys=True)


@outpack_api("/metadata/:id/json", GET)
def metadata_json(request, packet_id):
    reader = require(request, Level.READ)
    root = operations.served_root()
    readable.check_packet_readable(root, reader, packet_id)
    return success(operations.metadata_json(root, packet_id), sort_keys=True)


@outpack_api("/metadata/:id/text", GET)
def metadata_text(request, packet_id):
    reader = require(request, Level.READ)
    root = operations.served_root()
    readable.check_packet_readable(root, reader, packet_id)
    body = operations.read_metadata_bytes(root, packet_id)
    return HttpResponse(body, content_type=TEXT_UTF8)


@outpack_api("/packets/missing", POST)
def packets_missing(request):
    reader = require(request, Level.READ)
    body = json_body(
        request,
        {"ids": (is_string_list, "an array of strings"), "unpacked": (is_bool, "true or false")},
    )
    root = operations.served_root()
    return success(readable.missing_packets(root, body["ids"], body["unpacked"], reader))


@outpack_api("/files/missing", POST)
def files_missing(request):
    reader = require(request, Level.READ)
    body = json_body(request, {"hashes": (is_string_list, "an array of strings")})
    return success(readable.missing_files(operations.synced_root(), body["hashes"], reader))


@outpack_api("/file/:hash", GET + POST)
def file(request, hash):
    if request.method == "POST":
        require(request, Level.WRITE)
        # Read as a stream, in chunks: never `request.body`, which would hold the whole upload
        # in memory and is capped by DATA_UPLOAD_MAX_MEMORY_SIZE.
        stream = limited_upload(request, setting("REPROSTORE_OUTPACK_MAX_FILE"))
        operations.do_upload_file(operations.served_root(), hash, stream)
        return success(None)
    reader = require(request, Level.READ)
    root = operations.served_root()
    readable.check_file_readable(root, reader, hash)
    path = operations.file_to_download(root, hash)
    return file_response(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it when the download ends
        as_attachment=True,
        filename=hash,
        content_type="application/octet-stream",
    )


@outpack_api("/packet/:hash", POST)
def packet(request, hash):
    require(request, Level.WRITE)
    with large_body_slot(request):
        operations.do_upload_packet(operations.served_root(), hash, request.body)
    return success(None)


@outpack_api("/metrics", GET)
def metrics_text(request):
    require(request, Level.READ, every_packet=True)
    metrics.require_scrape_access(request.user)
    # The whole server's metrics, as at /metrics: every worker's requests and the store gauges.
    body, content_type = metrics.exposition(request.headers.get("Accept"))
    return HttpResponse(body, content_type=content_type)


@outpack_api("/query", GET)
def query(request):
    """`GET /outpack/query?q=...&this=...&subquery=...`: the query language over HTTP, in the
    envelope, with orderly's extension (`usedby`, `uses`, `{...}`); `subquery` is a JSON object
    of named subqueries, `{"C": "latest(name == \\"C\\")"}` for `{C}`.

    outpack_server has no such route; it answers with the matching ids, sorted.
    """
    reader = require(request, Level.READ)
    text = request.GET.get("q")
    if text is None:
        raise BadRequest("Missing query: pass it as ?q=..., e.g. ?q=latest", kind="invalid query")
    this = parse_this(request.GET.get("this"))
    subqueries = parse_this(request.GET.get("subquery"), "subquery", '{"C": "latest"}')
    operations.synced_root()
    try:
        with query_time_limit():
            return success(readable.search(text, reader, this=this, subqueries=subqueries))
    except ValueError as error:
        # A failed `single` is the query's fault as much as a syntax error: the same request
        # fails the same way until the packets change, so it is a 400, not a 404 or a 500.
        raise BadRequest(str(error), kind="invalid query") from None


def parse_this(text, name="this", example='{"a": 1}'):
    """The `this` values (or another parameter's): a JSON object, or None when not given."""
    if text is None:
        return None
    try:
        value = client_json.loads(text)
    except client_json.ClientJSONError:
        value = None
    if not isinstance(value, dict):
        raise BadRequest(
            f"Invalid {name} '{text}': expected a JSON object such as {example}",
            kind="invalid query",
        )
    return value


@outpack_api("fallback", ANY)
def fallback(request, rest=""):
    raise NotFound("This route does not exist", kind="NOT_FOUND")


@outpack_api("misjoined", ANY)
def misjoined(request, rest=""):
    """A request that lost its `/outpack/` prefix: pyorderly joins paths onto a location URL with
    `urljoin`, which drops the last path segment when the URL has no trailing slash."""
    prefix = request.path[: len(request.path) - len(rest)]
    base = request.build_absolute_uri(prefix + "outpack/")
    raise NotFound(
        "This is not an outpack API route. If your location URL ends in '/outpack', "
        f"add a trailing slash: use '{base}'",
        kind="NOT_FOUND",
    )
