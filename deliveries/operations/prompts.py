"""The y/N question the commands ask before they delete anything."""

import sys

__all__ = ["NoTerminal", "can_ask", "confirm"]

ANSWERS_YES = ("y", "yes")


class NoTerminal(Exception):
    """A question had to be asked, and there is no terminal to ask it on."""


def can_ask():
    """Is there a person to ask: is standard input a terminal?"""
    return sys.stdin.isatty()


def confirm(question, *, yes=False):
    """
    Whether to go ahead. True at once with ``yes`` (the command's ``--yes``); otherwise ask
    ``question`` with `` [y/N] `` after it, and True only for y or yes (any case, spaces
    around); anything else, end of input too, is no. Raises NoTerminal when it would have to
    ask and standard input is not a terminal (a cron job, a pipe): the caller says to pass --yes.
    """
    if yes:
        return True
    if not can_ask():
        raise NoTerminal(question)
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:  # Ctrl-D, or the input ran out
        return False
    return answer.strip().lower() in ANSWERS_YES
