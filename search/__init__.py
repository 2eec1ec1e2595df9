"""Need search: one SearchIndex interface over an embedded engine and Meilisearch (issue 4)."""
