from waterwheel.cli import main

main()
