"""
``mute_signals``: a context manager (and decorator) that silences chosen Django signals.

    with mute_signals(post_save):                 # no post_save receiver runs inside
        factory.make_one(Delivery)
    with mute_signals(post_save, sender=Delivery):  # only receivers connected for Delivery
        ...
    @mute_signals()                               # no arguments: the save, delete and m2m signals
    def test_quiet(self): ...

Receivers connected inside the block run there and stay connected after it; a receiver that
was not muted and is disconnected inside stays disconnected. Muting nests. Without arguments
``pre_init``/``post_init`` keep running: Django itself uses them (ImageField's dimensions).
"""

from contextlib import ContextDecorator

from django.db.models import signals as model_signals
from django.dispatch import Signal
from django.dispatch.dispatcher import _make_id

MODEL_SIGNALS = (
    model_signals.pre_save,
    model_signals.post_save,
    model_signals.pre_delete,
    model_signals.post_delete,
    model_signals.m2m_changed,
)


class mute_signals(ContextDecorator):  # noqa: N801 - used like a function, as contextlib's are
    """Silence ``signals`` (default: MODEL_SIGNALS), for every sender or for ``sender`` only."""

    def __init__(self, *signals, sender=None):
        for signal in signals:
            if not isinstance(signal, Signal):
                raise TypeError(
                    f"mute_signals takes Django signals (post_save, pre_save...), not {signal!r}; "
                    f"pass the model as sender= to mute only its receivers."
                )
        self.signals = signals or MODEL_SIGNALS
        self.sender = sender
        self._stack = []

    def __enter__(self):
        saved = []
        sender_id = None if self.sender is None else _make_id(self.sender)
        for signal in self.signals:
            with signal.lock:
                receivers = signal.receivers
                kept = [] if sender_id is None else [r for r in receivers if r[0][1] != sender_id]
                signal.receivers = kept
                signal.sender_receivers_cache.clear()
            saved.append((signal, receivers, {r[0] for r in kept}))
        self._stack.append(saved)
        return self

    def __exit__(self, *exc_info):
        for signal, receivers, kept in reversed(self._stack.pop()):
            with signal.lock:
                now = {r[0] for r in signal.receivers}
                gone = kept - now  # disconnected inside the block
                restored = [r for r in receivers if r[0] not in gone]
                known = {r[0] for r in restored}
                signal.receivers = restored + [r for r in signal.receivers if r[0] not in known]
                signal.sender_receivers_cache.clear()
        return False
