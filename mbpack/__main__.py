from mbpack.cli import main

main()
