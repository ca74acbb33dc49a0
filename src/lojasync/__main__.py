from lojasync.entrypoints.cli.launch import main

main()
