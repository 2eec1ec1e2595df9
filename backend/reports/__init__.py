"""Reports per region and month for civil affairs and auditors (counts and amounts only)."""
