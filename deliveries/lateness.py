"""How late a hand-in is, in words: "late by 1 day 3 h"."""

__all__ = ["describe_duration"]

_UNITS = ((86400, "day", "days"), (3600, "h", "h"), (60, "min", "min"), (1, "s", "s"))


def describe_duration(delta):
    """
    ``delta`` (a timedelta) as people say it, in its two largest units, rounded down:
    "1 day 3 h", "2 days", "5 h 12 min", "4 min 30 s", "30 s". Never negative: "0 s" at most.
    """
    seconds = max(int(delta.total_seconds()), 0)
    for index, (size, one, many) in enumerate(_UNITS):
        if seconds >= size or size == 1:
            count, rest = divmod(seconds, size)
            words = [f"{count} {one if count == 1 else many}"]
            if index + 1 < len(_UNITS):
                next_size, next_one, next_many = _UNITS[index + 1]
                smaller = rest // next_size
                if smaller:
                    words.append(f"{smaller} {next_one if smaller == 1 else next_many}")
            return " ".join(words)
    raise AssertionError("unreachable: the last unit is one second")
