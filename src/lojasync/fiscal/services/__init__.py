"""Use cases of processing an order: one function each, called by the CLI, the web pages, the API and the
worker alike."""
