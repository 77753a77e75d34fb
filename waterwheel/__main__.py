from waterwheel.cli.main import main

main()
