from fastlint.cli import main

main(prog_name="fastlint")
