from fastlint.cli import main

if __name__ == "__main__":  # not when a spawned worker imports the main module again
    main(prog_name="fastlint")
