"""
Stored bytes over HTTP: ``downloads`` (ranges, ETags, presigned redirects), ``headers`` (the
untrusted-bytes headers every response carrying stored bytes gets), ``previews`` (text, images,
hex, zip listings, bounded in size and time), ``zipstream`` (a delivery as one streamed zip),
``assignment_zip`` (an assignment's hand-ins, with a manifest) and ``compare`` (a delivery against
the one before it). Which types are text, images or archives is ``deliveries.content_types``' table.

Plain functions of a FileMeta or Delivery and a request: they know nothing of the admin's
permissions (the admin pages check those first) and reach bytes only through the store.
May import the domain and ``stores``.
"""
