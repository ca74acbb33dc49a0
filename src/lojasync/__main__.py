from lojasync.entrypoints.cli.app import main

main()
