"""The headers every response that carries stored bytes gets: the bytes are a student's, never trusted."""

__all__ = ["UNTRUSTED_BYTES_HEADERS", "untrusted_bytes"]

# Never sniffed, never run as a page, never shared with another origin or a shared cache.
UNTRUSTED_BYTES_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
    # private: only the staff member's own browser keeps a copy; no-cache: it revalidates with the
    # ETag, so a 304 saves the transfer but never a permission check.
    "Cache-Control": "private, no-cache",
}


def untrusted_bytes(response, headers=None):
    """
    Set ``headers`` (a dict, optional) and then UNTRUSTED_BYTES_HEADERS on ``response`` (a
    download, a thumbnail, a zip, or a 304 or 416 about one); return it.
    """
    for name, value in {**(headers or {}), **UNTRUSTED_BYTES_HEADERS}.items():
        response[name] = value
    return response
