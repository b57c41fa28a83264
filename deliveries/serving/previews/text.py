"""
Text and source code, Markdown and CSV: the first TEXT_LIMIT bytes, decoded as UTF-8 (bad bytes
replaced), escaped, highlighted by Pygments in a bounded worker (``serving.sandbox``). A lexer
that does not finish within PREVIEW_TIME_LIMIT (some backtrack for minutes on a crafted 64 KiB)
is killed and the text shown escaped and plain, with a note saying why. CSV is a table of its
first rows.
"""

import codecs
import csv

from pygments.lexers import TextLexer, get_lexer_for_filename, get_lexer_for_mimetype
from pygments.util import ClassNotFound

from .. import sandbox, workers
from .base import Preview
from .budgets import CSV_COLUMNS, CSV_ROWS, limits

__all__ = ["csv_preview", "decode", "highlighted", "lexer_class_for", "looks_like_text", "text_preview"]


def looks_like_text(head):
    """Do these first bytes look like UTF-8 text (no NUL, no invalid sequence)?"""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def lexer_class_for(filename, content_type):
    """The Pygments lexer class the preview of a file of this name and type uses (TextLexer if none)."""
    for finder, arg in ((get_lexer_for_filename, filename), (get_lexer_for_mimetype, content_type)):
        try:
            return type(finder(arg))
        except ClassNotFound:
            continue
    return TextLexer


def highlighted(text, lexer_class, formatter=workers.FORMATTER):
    """
    (escaped HTML of ``text`` highlighted by ``lexer_class``, note). Highlighting runs in the
    sandbox under the preview's limits; past them the text comes back plain, and the note says why.
    """
    if lexer_class is TextLexer:
        return workers.plain(text, formatter), ""  # no regular expressions to run: nothing to bound
    try:
        return sandbox.run(workers.highlight, text, lexer_class, formatter, limits=limits()), ""
    except sandbox.SandboxError as e:
        return workers.plain(text, formatter), f"Shown without highlighting: highlighting {e}."


def decode(data, truncated):
    """(text, encoding note) of ``data``: UTF-8, bad bytes replaced, a character cut at the end dropped."""
    # An incremental decoder without final=True drops a multi-byte character cut at the limit
    # instead of showing a replacement character for it.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data, final=not truncated)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not truncated)
        note = ""
    except UnicodeDecodeError:
        note = "Not valid UTF-8: undecodable bytes are shown as \ufffd."
    return text, note


def text_preview(filemeta, data):
    """The Preview of text ``data`` (the first bytes of ``filemeta``): escaped and highlighted."""
    truncated = filemeta.size > len(data)
    text, encoding_note = decode(data, truncated)
    html, note = highlighted(text, lexer_class_for(filemeta.filename, filemeta.content_type))
    return Preview(
        "text",
        html=html,
        truncated=truncated,
        shown_bytes=len(data),
        encoding_note=encoding_note,
        notes=[note] if note else [],
    )


def _delimiter(filename, first_line):
    if filename.lower().endswith((".tsv", ".tab")):
        return "\t"
    # The most frequent of the usual separators in the header line (csv.Sniffer's regular
    # expressions are not bounded in time on hostile input).
    return max(",;\t|", key=first_line.count)


def csv_preview(filemeta, data):
    """The Preview of CSV ``data``: a table of the first CSV_ROWS rows and CSV_COLUMNS columns."""
    truncated = filemeta.size > len(data)
    text, encoding_note = decode(data, truncated)
    lines = text.splitlines()
    if truncated and lines:
        lines = lines[:-1]  # the last line is cut at the limit
    reader = csv.reader(lines, delimiter=_delimiter(filemeta.filename, lines[0] if lines else ""))
    rows, notes, widest = [], [], 0
    try:
        for row in reader:
            if len(rows) == CSV_ROWS + 1:  # the header and CSV_ROWS rows
                notes.append(f"Showing the first {CSV_ROWS} rows.")
                break
            widest = max(widest, len(row))
            rows.append(row[:CSV_COLUMNS])
    except csv.Error as e:
        notes.append(f"The rest is not valid CSV ({e}); download the file to see it.")
    if widest > CSV_COLUMNS:
        notes.append(f"Showing the first {CSV_COLUMNS} of {widest} columns.")
    width = min(widest, CSV_COLUMNS)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return Preview(
        "csv", rows=rows, truncated=truncated, shown_bytes=len(data), encoding_note=encoding_note, notes=notes
    )
