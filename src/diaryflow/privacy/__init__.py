"""Keeping private entries and personal identifiers out of what is sent to a language model."""
