from codeidx.cli import main

main()
