"""Root fields grouped by domain; schema/__init__.py merges them into Query and Mutation."""
