from aftaleflow.cli.app import main

main()
