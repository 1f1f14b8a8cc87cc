"""The HTTP boundary: spec-driven body inspection, native error envelopes, exchange recording."""
