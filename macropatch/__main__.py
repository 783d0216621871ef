from macropatch.cli import main

main()
