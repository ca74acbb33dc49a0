"""The back office's pages, one module per group of pages (each with its router and its templates' folder)."""
