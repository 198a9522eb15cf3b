"""fuselearn."""
