"""Front ends beyond the command line: the language server and pull-request reviews."""
