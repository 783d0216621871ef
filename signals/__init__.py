"""The signals: the report's macro triggers, point-in-time.

Requires series from :mod:`macropatch.marketdata`. Produces, per signal, a
daily value and a fired flag indexed by the day it was knowable
(:class:`~macropatch.signals.base.SignalResult`). The built-in triggers are in
:mod:`.triggers`, the composite in :mod:`.composite`, all of them by name in
:mod:`.registry`.
"""
