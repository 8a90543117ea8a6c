"""fastlint's rules: one module per rule, discovered by ``fastlint.run.registry``."""
