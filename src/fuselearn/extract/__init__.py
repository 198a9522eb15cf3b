"""Deep and classical feature extractors (scikit-learn transformers) and the embedding cache."""
