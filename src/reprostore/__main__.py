from reprostore.cli import main

main()
