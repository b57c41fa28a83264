"""Damaging stored bytes in every way a disk, a person or a bug can: for the repair and scrub tests."""

import hashlib

from deliveries.stores.healing import is_quarantine_key

KINDS = ("removed", "truncated", "flipped", "another file's bytes")


def read(store, key):
    return b"".join(store.iter_chunks(key))


def damage(store, filemeta, kind, other):
    """Damage the bytes of ``filemeta`` in ``store`` (one copy) as ``kind`` says; ``other`` is another FileMeta."""
    if kind == "removed":
        store.remove(filemeta)
        return
    data = read(store, filemeta)
    if kind == "truncated":
        data = data[: len(data) // 2]
    elif kind == "flipped":
        flipped = bytearray(data)
        flipped[len(flipped) // 3] ^= 0x20
        data = bytes(flipped)
    elif kind == "another file's bytes":
        data = read(store, other)
    else:
        raise ValueError(f"unknown damage {kind!r}")
    with store.write_open(filemeta) as writer:
        writer.write(data)


def damage_share(store, filemetas, share=0.05):
    """Damage ``share`` of ``filemetas`` in ``store``, cycling through every kind; return {pk: kind}."""
    count = max(len(KINDS), round(len(filemetas) * share))
    step = len(filemetas) // count
    chosen = filemetas[::step][:count]
    done = {}
    for i, filemeta in enumerate(chosen):
        kind = KINDS[i % len(KINDS)]
        other = filemetas[(filemetas.index(filemeta) + 1) % len(filemetas)]
        damage(store, filemeta, kind, other)
        done[filemeta.pk] = kind
    return done


def digest(store, key):
    return hashlib.sha256(read(store, key)).hexdigest()


def quarantined(store):
    """{quarantine key: bytes} of every quarantined object in ``store``."""
    return {o.key: read(store, o.key) for o in store.iter_objects() if is_quarantine_key(o.key)}
