"""The outpack HTTP API (spec §4). Each view reads its input, checks access, calls one function
in `api.py` and renders; `responses.outpack_view` turns raised errors into the envelope."""

from django.http import FileResponse, HttpResponse

from . import api, metrics
from .access import READ, WRITE, ensure_access
from .bodies import is_bool, is_string_list, json_body, read_body, upload_stream
from .errors import NotFound
from .responses import outpack_view, success

GET, POST = ("GET", "HEAD"), ("POST",)
ANY = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
TEXT_UTF8 = "text/plain; charset=utf-8"


@outpack_view("/", GET)
def root(request):
    ensure_access(request, READ)
    return success(api.root_info())


@outpack_view("/checksum", GET)
def checksum(request):
    ensure_access(request, READ)
    return success(api.checksum(api.served_root(), request.GET.get("alg")))


@outpack_view("/metadata/list", GET)
def metadata_list(request):
    ensure_access(request, READ)
    return success(api.index.location_listing(api.synced_root()))


@outpack_view("/packit/metadata", GET)
def packit_metadata(request):
    ensure_access(request, READ)
    known_since = api.parse_known_since(request.GET.get("known_since"))
    return success(api.index.packit_listing(api.synced_root(), known_since), sort_keys=True)


@outpack_view("/metadata/:id/json", GET)
def metadata_json(request, packet_id):
    ensure_access(request, READ)
    return success(api.metadata_json(api.served_root(), packet_id), sort_keys=True)


@outpack_view("/metadata/:id/text", GET)
def metadata_text(request, packet_id):
    ensure_access(request, READ)
    body = api.read_metadata_bytes(api.served_root(), packet_id)
    return HttpResponse(body, content_type=TEXT_UTF8)


@outpack_view("/packets/missing", POST)
def packets_missing(request):
    ensure_access(request, READ)
    body = json_body(
        request,
        {"ids": (is_string_list, "an array of strings"), "unpacked": (is_bool, "true or false")},
    )
    return success(api.missing_packets(api.served_root(), body["ids"], body["unpacked"]))


@outpack_view("/files/missing", POST)
def files_missing(request):
    ensure_access(request, READ)
    body = json_body(request, {"hashes": (is_string_list, "an array of strings")})
    return success(api.missing_files(api.synced_root(), body["hashes"]))


@outpack_view("/file/:hash", GET + POST)
def file(request, hash):
    if request.method == "POST":
        ensure_access(request, WRITE)
        # Read as a stream, in chunks: never `request.body`, which would hold the whole upload
        # in memory and is capped by DATA_UPLOAD_MAX_MEMORY_SIZE.
        api.do_upload_file(api.served_root(), hash, upload_stream(request))
        return success(None)
    ensure_access(request, READ)
    path = api.file_to_download(api.served_root(), hash)
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it when the download ends
        as_attachment=True,
        filename=hash,
        content_type="application/octet-stream",
    )


@outpack_view("/packet/:hash", POST)
def packet(request, hash):
    ensure_access(request, WRITE)
    api.do_upload_packet(api.served_root(), hash, read_body(request))
    return success(None)


@outpack_view("/metrics", GET)
def metrics_text(request):
    ensure_access(request, READ)
    text = metrics.render(api.store_counts(api.served_root()))
    return HttpResponse(text, content_type=metrics.CONTENT_TYPE)


@outpack_view("fallback", ANY)
def fallback(request, rest=""):
    raise NotFound("This route does not exist", kind="NOT_FOUND")


@outpack_view("misjoined", ANY)
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
