"""One run: settings, discovery, reading and parsing, the cache, the engine and its progress."""
