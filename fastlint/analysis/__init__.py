"""What fastlint knows about code: syntax, names, types, the FastAPI model, ORM models and schemas, blocking calls, module summaries and the project index."""
