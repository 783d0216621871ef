from macropatch.entry import main

main()
