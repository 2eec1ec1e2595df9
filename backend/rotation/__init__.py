"""Key rotation drills: re-sealing personal data and recomputing blind indexes under new keys."""
