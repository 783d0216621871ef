"""``python -m macropatch``: the command line, as the ``macropatch`` script runs it."""

from macropatch.entry import main

main()
