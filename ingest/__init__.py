"""Ingest: runs connectors, validates and places their records, and commits each
batch with its cursor in one transaction."""
