"""One module per subcommand, each a ``run(args) -> int``."""
