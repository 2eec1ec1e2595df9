"""In-app notifications and the hourly digest of newly published needs."""
