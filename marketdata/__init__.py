"""The data stage: the series catalog, the offline pack, live providers, the local store.

Requires nothing of the other stages. Produces series in canonical units with
their provenance (:mod:`.sources`), aligned price panels (:mod:`.panel`) and
the pieces every stage shares: errors, bounds and parameters, progress,
interrupts, locks and files.
"""
