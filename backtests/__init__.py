"""The backtest stage: strategy + prices + schedule + costs + execution lag -> results.

Five rooms, each a subpackage:

``engine``
    The simulators: the vectorbt adapter (:mod:`.engine.adapter`, the only
    importer of vectorbt), the returns-only numba kernel of sweeps, schedules,
    costs, the execution lag, results and attribution.
``metrics``
    Performance metrics, one definition (252 trading days a year), for one
    series or every column of a returns matrix.
``sweep``
    Parameter sweeps: grid, variants, batches, executors, walk-forward
    selection and the overfitting statistics.
``stress``
    Stress tests: macro factors and the factor model, the report's
    scenarios, crisis replay and the conditional bootstrap.
``evidence``
    What signals add: a strategy against its neutral twin (its signals
    held quiet), with Newey-West statistics.

Importing this package or the light modules of ``engine`` never imports
vectorbt: the sweep's workers run the kernel without it.
"""
