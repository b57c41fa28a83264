"""Jupyter notebooks built for tests: ordinary ones, and ones carrying HTML and JavaScript outputs."""

import base64
import json

__all__ = ["notebook_bytes", "sample_notebook"]


def notebook_bytes(cells, language="python"):
    """A version 4 notebook of ``cells`` (dicts as Jupyter writes them), as UTF-8 JSON bytes."""
    notebook = {
        "cells": cells,
        "metadata": {"language_info": {"name": language}, "kernelspec": {"language": language, "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1).encode()


def sample_notebook(png):
    """
    A notebook of five cells: Markdown with a script tag, code with a stream and an HTML+text
    output, code with an image output (``png``), a raw cell, and code with an error.
    """
    return notebook_bytes(
        [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Results\n", "<script>alert('md')</script>"]},
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": ["def total(xs):\n", "    return sum(xs)\n", "print(total([1, 2]))"],
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["3\n"]},
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {
                            "text/html": ["<b onmouseover=alert(1)>table</b><script>alert('out')</script>"],
                            "application/javascript": ["alert('js')"],
                            "text/plain": ["   a  b\n0  1  2"],
                        },
                    },
                ],
            },
            {
                "cell_type": "code",
                "execution_count": 2,
                "metadata": {},
                "source": "plot()",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"image/png": base64.b64encode(png).decode(), "text/plain": ["<Figure>"]},
                    }
                ],
            },
            {"cell_type": "raw", "metadata": {}, "source": "raw <i>text</i>"},
            {
                "cell_type": "code",
                "execution_count": 3,
                "metadata": {},
                "source": "1/0",
                "outputs": [
                    {
                        "output_type": "error",
                        "ename": "ZeroDivisionError",
                        "evalue": "division by zero",
                        "traceback": ["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"],
                    }
                ],
            },
        ]
    )
