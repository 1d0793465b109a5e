"""One use case per module, each a class with one async entry method."""
