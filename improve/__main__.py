from improve.cli.main import main

main()
