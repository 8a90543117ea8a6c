"""What fastlint knows about libraries, kept as data: one module per family."""
