from toilaudit.cli import main

main()
