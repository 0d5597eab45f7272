"""Statistics core of kapta-research (placeholder until the stats branch lands its __init__)."""
