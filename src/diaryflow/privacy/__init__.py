"""Keeping personal identifiers out of the text sent to a cloud language model."""
